// testbench/tests/common/ap_tree.h — an AP-like sysfs tree for the tests of the file system,
// the shell and the utilities: attributes of every kind (read-write with -EINVAL on bad
// input, read-only, write-only with -EBUSY and -ENODEV), devices with links, and an
// mdev-like `create` whose `remove` deletes its own directory.  Every store is recorded.
#pragma once

#include <cerrno>
#include <string>
#include <vector>

#include "driver/linux/sysfs.h"

namespace apsim::test {

inline const std::string kMatrix = "/sys/devices/vfio_ap/matrix/";
inline const std::string kCreate = kMatrix + "mdev_supported_types/vfio_ap-passthrough/create";

struct ApTree {
  std::string apmask = "0xff";
  std::vector<std::string> stores;  ///< "attribute:bytes written", in order

  explicit ApTree(driver::Sysfs& fs) {
    // apmask accepts "0x.." and rejects anything else with -EINVAL.
    fs.add_attr("/sys/bus/ap/apmask", [this](std::string& o) { o = apmask + "\n"; return 0; },
                [this](const std::string& b) {
                     stores.push_back("apmask:" + b);
                     if (b.rfind("0x", 0) != 0) return -EINVAL;
                     apmask = b.substr(0, b.find('\n'));
                     return 0;
                   });
    fs.add_attr("/sys/bus/ap/ap_max_domain_id", [](std::string& o) { o = "255\n"; return 0; }, nullptr);
    fs.add_attr("/sys/bus/ap/busy", nullptr, [this](const std::string& b) {
      stores.push_back("busy:" + b);
      return -EBUSY;
    });
    fs.add_attr("/sys/bus/ap/nodev", nullptr, [](const std::string&) { return -ENODEV; });
    fs.mkdir("/sys/devices/ap/card05/05.0004");
    fs.add_attr("/sys/devices/ap/card05/type", [](std::string& o) { o = "CEX8P\n"; return 0; }, nullptr);
    fs.add_attr("/sys/devices/ap/card05/05.0004/online", [](std::string& o) { o = "1\n"; return 0; }, nullptr);
    fs.add_link("/sys/bus/ap/devices/card05", "/sys/devices/ap/card05");
    fs.add_link("/sys/bus/ap/devices/05.0004", "/sys/devices/ap/card05/05.0004");
    // mdev-like create: a store that makes a directory named by the UUID written, with a
    // `remove` attribute that deletes its own directory.
    fs.add_attr("/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create", nullptr,
                [this, &fs](const std::string& b) {
                     stores.push_back("create:" + b);
                     std::string uuid = b.substr(0, b.find('\n'));
                     if (uuid.size() != 36) return -EINVAL;
                     std::string dir = "/sys/devices/vfio_ap/matrix/" + uuid;
                     if (fs.exists(dir)) return -EEXIST;
                     fs.mkdir(dir);
                     fs.add_attr(dir + "/remove", nullptr, [&fs, dir](const std::string&) {
                       fs.remove(dir);
                       return 0;
                     });
                     return 0;
                   });
  }
  ApTree(const ApTree&) = delete;  // the callbacks hold `this`
  ApTree& operator=(const ApTree&) = delete;
};

}  // namespace apsim::test
