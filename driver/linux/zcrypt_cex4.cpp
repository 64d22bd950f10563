// driver/linux/zcrypt_cex4.cpp — cex4card / cex4queue (zcrypt_cex4.c).
#include "driver/linux/zcrypt_cex4.h"

#include <cerrno>
#include <cstdio>
#include <optional>

#include "driver/linux/ap_asm.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kernel_parse.h"
#include "driver/linux/zcrypt_api.h"

namespace apsim::driver {

std::string zcrypt_type_string(const ApCardDev& card) {
  const unsigned gen = card.hwtype >= 10 ? card.hwtype - 6u : 0u;
  char mode = 'A';
  if (card.functions & arch::AP_FUNC_COPRO) mode = 'C';
  else if (card.functions & arch::AP_FUNC_EP11) mode = 'P';
  return "CEX" + std::to_string(gen) + mode;
}

namespace {

/// "%016llx" of a u64.
std::string hex16(uint64_t v) {
  char b[20];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

/// bin2hex: two lower-case hex digits per byte.
template <size_t N>
std::string bin2hex(const std::array<uint8_t, N>& a) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : a) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

/// One register line of cca_mkvps_show: `state` in '1'..'1'+names-1 picks names[state-'1'].
std::string mk_line(const char* reg, char state, const char* const* names, int n, const std::string& hex) {
  if (state >= '1' && state < '1' + n) return std::string(reg) + ": " + names[state - '1'] + " 0x" + hex + "\n";
  return std::string(reg) + ": - -\n";
}

// online_store (zcrypt_card.c, zcrypt_queue.c): sscanf(buf, "%d\n") must give 0 or 1.
int parse_online(const std::string& buf, bool& v) {
  const std::optional<long long> n = sscanf_number(buf, 10);
  if (!n || *n < 0 || *n > 1) return -EINVAL;
  v = *n == 1;
  return 0;
}

}  // namespace

std::string cca_mkvps_text(const CcaInfo& ci) {
  static const char* const new_state[] = {"empty", "partial", "full"};
  static const char* const cao_state[] = {"invalid", "valid"};
  const auto asym = [](const std::array<uint8_t, 16>& vp) { return bin2hex(vp); };  // %016llx%016llx on big-endian
  return mk_line("AES NEW", ci.new_aes_mk_state, new_state, 3, hex16(ci.new_aes_mkvp)) +
         mk_line("AES CUR", ci.cur_aes_mk_state, cao_state, 2, hex16(ci.cur_aes_mkvp)) +
         mk_line("AES OLD", ci.old_aes_mk_state, cao_state, 2, hex16(ci.old_aes_mkvp)) +
         mk_line("APKA NEW", ci.new_apka_mk_state, new_state, 3, hex16(ci.new_apka_mkvp)) +
         mk_line("APKA CUR", ci.cur_apka_mk_state, cao_state, 2, hex16(ci.cur_apka_mkvp)) +
         mk_line("APKA OLD", ci.old_apka_mk_state, cao_state, 2, hex16(ci.old_apka_mkvp)) +
         mk_line("ASYM NEW", ci.new_asym_mk_state, new_state, 3, asym(ci.new_asym_mkvp)) +
         mk_line("ASYM CUR", ci.cur_asym_mk_state, cao_state, 2, asym(ci.cur_asym_mkvp)) +
         mk_line("ASYM OLD", ci.old_asym_mk_state, cao_state, 2, asym(ci.old_asym_mkvp));
}

std::string ep11_api_ordinalnr_text(const Ep11CardInfo& ci) {
  return ci.API_ord_nr > 0 ? std::to_string(ci.API_ord_nr) + "\n" : "\n";
}

std::string ep11_fw_version_text(const Ep11CardInfo& ci) {
  if (ci.FW_version == 0) return "\n";
  return std::to_string(ci.FW_version >> 8) + "." + std::to_string(ci.FW_version & 0xFF) + "\n";
}

std::string ep11_serialnr_text(const Ep11CardInfo& ci) {
  if (!ci.serial[0]) return "\n";
  // "%16.16s": at most 16 characters, up to a NUL, right-aligned in 16.
  std::string s(ci.serial.begin(), ci.serial.end());
  s = s.substr(0, s.find('\0'));
  return std::string(16 - s.size(), ' ') + s + "\n";
}

std::string ep11_op_modes_text(uint64_t op_mode, bool modes_2021) {
  struct Mode {
    int bit;
    const char* txt;
    bool since_2021;  ///< only in the newer table
  };
  static const Mode modes[] = {{0, "FIPS2009", false}, {1, "BSI2009", false},    {2, "FIPS2011", false},
                               {3, "BSI2011", false},  {4, "SIGG-IMPORT", true}, {5, "SIGG", true},
                               {6, "BSICC2017", false}, {7, "FIPS2021", true},   {8, "FIPS2024", true}};
  std::string out;
  for (const Mode& m : modes) {
    if (m.since_2021 && !modes_2021) continue;
    if (!(op_mode & (1ull << m.bit))) continue;
    if (!out.empty()) out += ' ';
    out += m.txt;
  }
  return out + "\n";
}

std::string ep11_mkvps_text(const Ep11DomainInfo& di) {
  std::string out;
  if (di.cur_wk_state == '0') out = "WK CUR: invalid -\n";
  else if (di.cur_wk_state == '1') out = "WK CUR: valid 0x" + bin2hex(di.cur_wkvp) + "\n";
  else out = "WK CUR: - -\n";
  static const char* const nwk_state[] = {"empty", "uncommitted", "committed"};
  if (di.new_wk_state == '0') out += "WK NEW: empty -\n";
  else if (di.new_wk_state >= '1' && di.new_wk_state <= '2')
    out += std::string("WK NEW: ") + nwk_state[di.new_wk_state - '0'] + " 0x" + bin2hex(di.new_wkvp) + "\n";
  else out += "WK NEW: - -\n";
  return out;
}

namespace {

/// The attribute groups of zcrypt_cex4.c, by the file names they add.
const char* const kCcaCardAttrs[] = {"serialnr"};
const char* const kEp11CardAttrs[] = {"API_ordinalnr", "FW_version", "serialnr", "op_modes"};
const char* const kZcryptCardAttrs[] = {"type", "online", "load"};

}  // namespace

void Cex4CardDriver::probe_card(ApCardDev& card) {
  Sysfs& fs = kernel_.sysfs();
  ApCardDev* c = &card;
  const bool chk = kernel_.profile().online_considers_chkstop;
  // zcrypt_card_alloc + zc->online = 1, zcrypt_card_register: a new zcrypt card, online, at
  // the end of zcrypt's list.
  card.online = true;
  card.zcrypt_seq = kernel_.zcrypt().next_seq();
  fs.add_attr(card.path + "/type", sysfs_show([c] { return zcrypt_type_string(*c) + "\n"; }), nullptr);
  // online (RW): shows config && online (newer kernels also !chkstop).  Storing it forces
  // every queue of the card the zcrypt layer drives to the same state
  // (zcrypt_queue_force_online); online=1 on a deconfigured (newer: or checkstopped) card is
  // ENODEV.
  fs.add_attr(card.path + "/online", sysfs_show([c, chk] {
                return std::string(c->online && c->config && !(chk && c->chkstop) ? "1\n" : "0\n");
              }),
              [this, c, chk](const std::string& buf) {
                bool on = false;
                if (int rc = parse_online(buf, on); rc) return rc;
                if (on && (!c->config || (chk && c->chkstop))) return -ENODEV;
                c->online = on;
                for (ApQueueDev* q : kernel_.ap_bus().queues())
                  if (q->card == c && q->driver == &kernel_.zcrypt().queue_driver()) q->online = on;
                return 0;
              });
  // load: the card's share of requests in flight (zcrypt_card.c load_show).
  fs.add_attr(card.path + "/load", sysfs_show([this, c] {
                uint64_t n = 0;
                for (ApQueueDev* q : kernel_.ap_bus().queues())
                  if (q->card == c) n += q->pendingq.size() + q->requestq.size();
                return sysfs_u(n);
              }),
              nullptr);
  LinuxKernel& k = kernel_;
  if (card.functions & arch::AP_FUNC_COPRO) {
    // cca_card_attr_grp.  cca_serialnr_show: cca_get_info(ac->id, AUTOSEL_DOM, &ci,
    // zc->online) -- 6.1.192 and 7.0+ (598bbefa8032; 6.10..6.19 asked ap_domain_index).
    fs.add_attr(card.path + "/serialnr", sysfs_show([&k, c] {
                  CcaInfo ci;
                  cca_get_info(k, c->id, AUTOSEL_DOM, ci, c->online);
                  return ci.serial + "\n";
                }),
                nullptr);
  } else if (card.functions & arch::AP_FUNC_EP11) {
    // ep11_card_attr_grp: each show asks ep11_get_card_info(ac->id, &ci, zc->online).
    const auto attr = [&](const char* name, std::string (*text)(const Ep11CardInfo&)) {
      fs.add_attr(card.path + "/" + name, sysfs_show([&k, c, text] {
                    Ep11CardInfo ci;
                    ep11_get_card_info(k, c->id, ci, c->online);
                    return text(ci);
                  }),
                  nullptr);
    };
    attr("API_ordinalnr", ep11_api_ordinalnr_text);
    attr("FW_version", ep11_fw_version_text);
    attr("serialnr", ep11_serialnr_text);
    fs.add_attr(card.path + "/op_modes", sysfs_show([&k, c] {
                  Ep11CardInfo ci;
                  ep11_get_card_info(k, c->id, ci, c->online);
                  return ep11_op_modes_text(ci.op_mode, k.profile().ep11_op_modes_2021);
                }),
                nullptr);
  }
}

void Cex4CardDriver::remove_card(ApCardDev& card) {
  Sysfs& fs = kernel_.sysfs();
  for (const char* a : kCcaCardAttrs) fs.remove(card.path + "/" + a);
  for (const char* a : kEp11CardAttrs) fs.remove(card.path + "/" + a);
  // zcrypt_card_unregister: off zcrypt's list, its attribute group removed.
  for (const char* a : kZcryptCardAttrs) fs.remove(card.path + "/" + a);
  card.zcrypt_seq = 0;
}

int Cex4QueueDriver::probe_queue(ApQueueDev& q) {
  // zcrypt_cex4_queue_probe: the device types of cex4queue's id table are CEX4..CEX8.
  if (!q.card || q.card->hwtype < arch::AP_DEVICE_TYPE_CEX4) return -ENODEV;
  // zcrypt_queue_alloc + zq->online = 1, zcrypt_queue_register: a new zcrypt queue, online,
  // at the end of its card's list.
  q.online = true;
  q.zcrypt_seq = kernel_.zcrypt().next_seq();
  make_groups();
  kernel_.sysfs().add_group(q.path, queue_group_, &q);
  if (q.card->functions & arch::AP_FUNC_COPRO)
    kernel_.sysfs().add_group(q.path, cca_group_, &q);
  else if (q.card->functions & arch::AP_FUNC_EP11)
    kernel_.sysfs().add_group(q.path, ep11_group_, &q);
  return 0;
}

void Cex4QueueDriver::make_groups() {
  if (queue_group_) return;
  using Q = ApQueueDev;
  const bool chk = kernel_.profile().online_considers_chkstop;
  queue_group_ = std::make_shared<Sysfs::Group>();
  // online (RW): config && online; online=1 needs the queue and its card configured
  // (ENODEV) and the card online (EINVAL).
  queue_group_->add_attr("online", sysfs_group_show<Q>([chk](Q& q) {
                           return std::string(q.online && q.config && !(chk && q.chkstop) ? "1\n" : "0\n");
                         }),
                         [](void* obj, const std::string& buf) {
                           Q& q = *static_cast<Q*>(obj);
                           bool on = false;
                           if (int rc = parse_online(buf, on); rc) return rc;
                           if (on && (!q.config || (q.card && !q.card->config))) return -ENODEV;
                           if (on && q.card && !q.card->online) return -EINVAL;
                           q.online = on;
                           return 0;
                         });
  queue_group_->add_attr("load", sysfs_group_show<Q>([](Q& q) { return sysfs_u(q.pendingq.size() + q.requestq.size()); }),
                         nullptr);
  LinuxKernel& k = kernel_;
  // cca_queue_attr_grp.  cca_mkvps_show: cca_get_info(card, queue, &ci, zq->online).
  cca_group_ = std::make_shared<Sysfs::Group>();
  cca_group_->add_attr("mkvps", sysfs_group_show<Q>([&k](Q& q) {
                         CcaInfo ci;
                         cca_get_info(k, q.qid.apid, q.qid.apqi, ci, q.online);
                         return cca_mkvps_text(ci);
                       }),
                       nullptr);
  // ep11_queue_attr_grp: both ask ep11_get_domain_info only while zq->online.
  ep11_group_ = std::make_shared<Sysfs::Group>();
  ep11_group_->add_attr("mkvps", sysfs_group_show<Q>([&k](Q& q) {
                          Ep11DomainInfo di;
                          if (q.online) ep11_get_domain_info(k, q.qid.apid, q.qid.apqi, di);
                          return ep11_mkvps_text(di);
                        }),
                        nullptr);
  ep11_group_->add_attr("op_modes", sysfs_group_show<Q>([&k](Q& q) {
                          Ep11DomainInfo di;
                          if (q.online) ep11_get_domain_info(k, q.qid.apid, q.qid.apqi, di);
                          return ep11_op_modes_text(di.op_mode, k.profile().ep11_op_modes_2021);
                        }),
                        nullptr);
}

void Cex4QueueDriver::remove_queue(ApQueueDev& q) {
  // ap_queue_remove -> ZAPQ: the queue leaves zcrypt empty; aq->interrupt stays as it was
  // (the `interrupt` attribute of 6.1 goes on saying "Interrupts enabled.").
  ap_zapq(kernel_.cpu(), q.qid, false);
  if (queue_group_) {
    kernel_.sysfs().remove_group(q.path, *cca_group_);
    kernel_.sysfs().remove_group(q.path, *ep11_group_);
    kernel_.sysfs().remove_group(q.path, *queue_group_);
  }
  q.zcrypt_seq = 0;
}

}  // namespace apsim::driver
