// driver/userspace/s390_tools.h — the s390-tools release an instance runs, where releases
// print differently (LPAR config "s390_tools"; default: the release of the kernel's era).
//
// Each field names the first release that behaves the new way and the commit, from the
// s390-tools repository (github.com/ibm-s390-linux/s390-tools); the research behind them, with
// runs of the real lszcrypt of each release against Linux-6.1-shaped sysfs trees, is in
// docs/seed-errata.md and the lszcrypt/ap-check comments.
#pragma once

#include <string>
#include <vector>

namespace apsim::driver {

struct S390ToolsRelease {
  std::string version;  ///< "2.25.0"

  // ---- lszcrypt (zconf/zcrypt/lszcrypt.c) ----
  /// FUNCTIONS has ten letters "SMCDAXNHFR": the H column (0x01000000, stateless filtering)
  /// from 2.26.0 (8a878a0d); nine "SMCDAXNFR" before.
  bool functions_h = false;
  /// QDEPTH is the card's `depth` + 1 up to 2.40.0; the raw `depth` from 2.41.0 (346a69e5,
  /// "Update depth field calculation based on kernel change").
  bool qdepth_plus_one = true;
  /// `-c` prints "Hardware support for stateless filtering" for a CCA card with the H bit
  /// (2.26.0, 8a878a0d).
  bool capability_stateless = false;
  /// `-c CARD.DOMAIN` shows a queue's capabilities (SE bind and association states, the
  /// "MK" lines of the current master keys from its `mkvps`), `-b` prints a `features:` line when
  /// /sys/bus/ap/features exists, a SESTAT column appears when the features hold APSB:
  /// 2.28.0 (f821f31a).
  bool queue_capability = false;
  /// 2.42.0 (1afa6efb): a plain `lszcrypt` without cards prints the header and exits 0
  /// (before: "No crypto card devices found.", exit 1).
  bool empty_list_is_header = false;
  /// 2.42.0 (d0046257): "Warning: Default domain 0x%02lx is not available." after the list
  /// and -d; `-b` prints ap_domain as 0x%02lx with "(unavailable)"/"-1 (not set)".
  bool default_domain_warning = false;
  /// `lszcrypt .DDDD` reuses the argument index in its loop over the cards
  /// (show_devices_argv, 2.21.0 … 2.26.x; fixed in 2.27.0 by c142bb06): after the matching
  /// queues it reads argv[cards + 1] onwards, past argv's NULL into the environment, and
  /// treats each string as a device id.
  bool argv_index_reuse = false;
  /// --version's copyright line: "2008, 2020" up to 2.27, "2008, 2023" from 2.28.0.
  std::string copyright = "Copyright IBM Corp. 2008, 2020";

  // ---- mdevctl, installed beside s390-tools (not part of it) ----
  /// The mdevctl of the era: 1.2.0 (Debian bookworm, clap 3.1) with 2.25; 1.4.0 (the newest,
  /// clap 4) with 2.43.  Its --help is clap's layout of its src/cli.rs (mdevctl.cpp).
  std::string mdevctl = "1.2.0";

  // ---- ap-check, the mdevctl callout (ap_tools/ap-check.c) ----
  /// "APQN %u.%u is not ..." from 2.41.0 (b292ce56); "AQPN" (sic) before.
  bool apqn_spelling = false;
  /// The callout answers mdevctl's capabilities query and handles live modify: 2.34.0.
  bool ap_check_live_modify = false;

  /// The releases apsim knows: 2.25.0 (Linux 6.1's era: Debian bookworm ships 2.25) and
  /// 2.43.0 (Linux 7.3's era).
  static const std::vector<S390ToolsRelease>& known();
  /// The release named "2.25", "2.25.0", "2.43" or "2.43.0"; nullptr if unknown.
  static const S390ToolsRelease* find(const std::string& name);
  /// The release of a kernel version's era ("6.1" -> 2.25.0, "7.3" -> 2.43.0).
  static const S390ToolsRelease& for_linux(const std::string& linux_version);
  /// "2.25, 2.43": the names known() accepts, for error messages.
  static std::string known_names();
};

}  // namespace apsim::driver
