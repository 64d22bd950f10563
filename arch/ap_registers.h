// arch/ap_registers.h — register encodings of the AP instructions NQAP, DQAP and PQAP.
//
// Sources: ap-facility-spec.md §1.2 (GR0), §1.4 (status word), §1.5 (response codes),
// §1.6 (AQIC control), §2.1 (TAPQ info word).  All bit numbers are MSB-first (arch/bits.h).
#pragma once

#include <cstdint>

#include "arch/apqn.h"
#include "arch/bits.h"

namespace apsim::arch {

// ---------------------------------------------------------------------------------------
// Opcodes (RRE format)
constexpr uint16_t kOpPQAP = 0xB2AF;
constexpr uint16_t kOpNQAP = 0xB2AD;
constexpr uint16_t kOpDQAP = 0xB2AE;

// ---------------------------------------------------------------------------------------
// GR0
/// PQAP function codes, GR0 bits 32–39 (Linux: fc << 24).
enum class PqapFc : uint8_t {
  TAPQ = 0x00,  ///< Test AP Queue
  RAPQ = 0x01,  ///< Reset AP Queue
  ZAPQ = 0x02,  ///< Zeroize AP Queue
  AQIC = 0x03,  ///< AP Queue Interruption Control
  QCI = 0x04,   ///< Query Configuration Information
  QACT = 0x05,  ///< Query AP Compatibility Type
  BAPQ = 0x07,  ///< Bind AP Queue (Secure Execution)
  AAPQ = 0x08,  ///< Associate AP Queue (Secure Execution)
};

constexpr uint64_t kGr0TBit = bit64(40);        ///< TAPQ: also return the info word (1UL<<23)
constexpr uint64_t kGr0FBit = bit64(41);        ///< RAPQ/ZAPQ full reset; NQAP "special"; QACT ifbit (1UL<<22)
constexpr uint64_t kGr0NqapLast = bit64(33);    ///< NQAP: last message part (0x40000000)
constexpr uint64_t kGr0DqapBit = bit64(32);     ///< DQAP: Linux sets 0x80000000 (see kGr0DqapFirstPart)
/// DQAP GR0 bit 32, Linux' 0x80000000 for a fresh DQAP.  apsim's reading (no public
/// definition, docs/ap-instructions.md): "start at the first byte of the next reply".  A DQAP
/// that stops with part of the reply still on the queue (buffer used up) clears it in GR0, so
/// that re-executing with the returned GR0 (Linux' resgr0) continues the same reply; a DQAP
/// with the bit off and no partially received reply ends with RC 0x13 (no first part).
constexpr uint64_t kGr0DqapFirstPart = bit64(32);
constexpr uint64_t kGr0ApqnMask = 0xffff;       ///< bits 48–63: APID (48–55), APQI (56–63)

/// GR0 bits 32–47 each instruction leaves undefined; any of them set is a specification
/// exception.  Sources: kvm-unit-tests' AP test [U-v4] expects a specification exception for
/// PQAP bits 41–47 (with TAPQ), NQAP bits 32, 34, 35, 40 and DQAP bits 33, 34, 35, 40, 41; KVM's
/// handle_pqap rejects bits 41–47 (spec §3.3).  apsim extends that to every bit of 32–47 a
/// function does not define (choice, docs/ap-instructions.md).  Bits 0–31 are ignored (the
/// wrappers leave them zero; kvm-unit-tests' struct pqap_r0 calls them padding).
/// PQAP: bits 42–47 always; bit 40 (T) unless TAPQ, bit 41 unless RAPQ/ZAPQ/QACT (checked per fc).
constexpr uint64_t kGr0PqapReserved = 0x003f0000;
/// NQAP: everything in 32–47 but bit 33 (last part) and bit 41 (special).
constexpr uint64_t kGr0NqapReserved = 0xffff0000 & ~(kGr0NqapLast | kGr0FBit);
/// DQAP: everything in 32–47 but bit 32.
constexpr uint64_t kGr0DqapReserved = 0xffff0000 & ~kGr0DqapFirstPart;

/// Largest message one NQAP can name: the TAPQ ML field is 4 bits of 4 KiB units, so no
/// adapter takes more than 15 × 4096 bytes.  A longer NQAP length is a specification
/// exception before any storage is read (apsim choice, docs/ap-instructions.md).
constexpr uint64_t kApMaxMessageBytes = 15 * 4096;

constexpr Apqn gr0_apqn(uint64_t gr0) { return Apqn::from_qid(static_cast<uint16_t>(gr0 & kGr0ApqnMask)); }
constexpr uint8_t gr0_fc(uint64_t gr0) { return static_cast<uint8_t>(field64(gr0, 32, 39)); }
/// PQAP GR0: function code, APQN, and the T bit (TAPQ) or F bit (RAPQ/ZAPQ).
constexpr uint64_t make_pqap_gr0(PqapFc fc, Apqn q, bool t = false, bool f = false) {
  return (uint64_t{static_cast<uint8_t>(fc)} << 24) | (t ? kGr0TBit : 0) | (f ? kGr0FBit : 0) | q.qid();
}
constexpr uint64_t make_nqap_gr0(Apqn q, bool special = false) {
  return kGr0NqapLast | (special ? kGr0FBit : 0) | q.qid();
}
constexpr uint64_t make_dqap_gr0(Apqn q) { return kGr0DqapBit | q.qid(); }

// ---------------------------------------------------------------------------------------
// AP queue status word: the low 32 bits of GR1 (struct ap_queue_status).
/// AP response codes (status-word byte 1); names as in Linux' ap_bus.h.
enum ApResponseCode : uint8_t {
  AP_RESPONSE_NORMAL = 0x00,
  AP_RESPONSE_Q_NOT_AVAIL = 0x01,
  AP_RESPONSE_RESET_IN_PROGRESS = 0x02,
  AP_RESPONSE_DECONFIGURED = 0x03,
  AP_RESPONSE_CHECKSTOPPED = 0x04,
  AP_RESPONSE_BUSY = 0x05,
  AP_RESPONSE_INVALID_ADDRESS = 0x06,
  AP_RESPONSE_OTHERWISE_CHANGED = 0x07,
  AP_RESPONSE_INVALID_GISA = 0x08,
  AP_RESPONSE_Q_FULL = 0x10,
  AP_RESPONSE_NO_PENDING_REPLY = 0x10,
  AP_RESPONSE_INDEX_TOO_BIG = 0x11,
  AP_RESPONSE_NO_FIRST_PART = 0x13,
  AP_RESPONSE_MESSAGE_TOO_BIG = 0x15,
  AP_RESPONSE_REQ_FAC_NOT_INST = 0x16,
  AP_RESPONSE_INVALID_DOMAIN = 0x42,
};

struct ApQueueStatus {
  bool queue_empty = false;      ///< word bit 0  (GR1 bit 32)
  bool replies_waiting = false;  ///< word bit 1  (GR1 bit 33)
  bool queue_full = false;       ///< word bit 2  (GR1 bit 34)
  bool async = false;            ///< word bit 6  (GR1 bit 38)
  bool irq_enabled = false;      ///< word bit 7  (GR1 bit 39)
  uint8_t response_code = 0;     ///< word bits 8–15 (GR1 bits 40–47)

  constexpr uint32_t pack() const {
    return (queue_empty ? bit32(0) : 0) | (replies_waiting ? bit32(1) : 0) |
           (queue_full ? bit32(2) : 0) | (async ? bit32(6) : 0) | (irq_enabled ? bit32(7) : 0) |
           (uint32_t{response_code} << 16);
  }
  static constexpr ApQueueStatus unpack(uint32_t w) {
    ApQueueStatus s;
    s.queue_empty = w & bit32(0);
    s.replies_waiting = w & bit32(1);
    s.queue_full = w & bit32(2);
    s.async = w & bit32(6);
    s.irq_enabled = w & bit32(7);
    s.response_code = static_cast<uint8_t>(w >> 16);
    return s;
  }
  /// GR1 as the instruction leaves it: status in the low word, high word zero.
  constexpr uint64_t gr1() const { return pack(); }
  static constexpr ApQueueStatus from_gr1(uint64_t gr1) { return unpack(static_cast<uint32_t>(gr1)); }
};

// ---------------------------------------------------------------------------------------
// TAPQ info word (GR2 with the T bit; struct ap_tapq_hwinfo)
/// AP device types (raw TAPQ `at`); AP_DEVICE_TYPE_CEX4 = 10 .. CEX8 = 14 (Linux ap_bus.h,
/// which also has CEX3A = 8 and CEX3C = 9, types the current AP bus no longer supports).
enum ApDeviceType : uint8_t {
  AP_DEVICE_TYPE_CEX3A = 8,
  AP_DEVICE_TYPE_CEX3C = 9,
  AP_DEVICE_TYPE_CEX4 = 10,
  AP_DEVICE_TYPE_CEX5 = 11,
  AP_DEVICE_TYPE_CEX6 = 12,
  AP_DEVICE_TYPE_CEX7 = 13,
  AP_DEVICE_TYPE_CEX8 = 14,
};

/// Facility-word bits (upper 32 bits of the TAPQ info; sysfs ap_functions "0x%08X").
constexpr uint32_t AP_FUNC_APSC = 0x80000000;   ///< S
constexpr uint32_t AP_FUNC_MEX4K = 0x40000000;  ///< M: 4K modulus ME
constexpr uint32_t AP_FUNC_CRT4K = 0x20000000;  ///< C: 4K modulus CRT
constexpr uint32_t AP_FUNC_COPRO = 0x10000000;  ///< D: CCA coprocessor
constexpr uint32_t AP_FUNC_ACCEL = 0x08000000;  ///< A: accelerator
constexpr uint32_t AP_FUNC_EP11 = 0x04000000;   ///< X: EP11 coprocessor
constexpr uint32_t AP_FUNC_APXA = 0x02000000;   ///< N: APXA
constexpr uint32_t AP_FUNC_HFLT = 0x01000000;   ///< H: stateless filtering by hardware
constexpr uint32_t AP_FUNC_FULL = 0x00800000;   ///< F: full function set
constexpr uint32_t AP_FUNC_RESTR = 0x00400000;  ///< R: restricted function set

struct TapqInfo {
  uint32_t functions = 0;  ///< bits 0–31: facility word (the AP_FUNC_* bits, class, bs)
  uint8_t at = 0;          ///< bits 32–39: AP (device) type
  uint8_t nd = 0;          ///< bits 40–47: number of domains (Nd)
  uint8_t ml = 0;          ///< bits 52–55: max message length in 4 KiB units (0 = 12 KiB)
  uint8_t qd = 0;          ///< bits 60–63: queue depth field

  constexpr uint64_t pack() const {
    uint64_t w = uint64_t{functions} << 32;
    w = set_field64(w, 32, 39, at);
    w = set_field64(w, 40, 47, nd);
    w = set_field64(w, 52, 55, ml);
    w = set_field64(w, 60, 63, qd);
    return w;
  }
  static constexpr TapqInfo unpack(uint64_t w) {
    TapqInfo t;
    t.functions = static_cast<uint32_t>(w >> 32);
    t.at = static_cast<uint8_t>(field64(w, 32, 39));
    t.nd = static_cast<uint8_t>(field64(w, 40, 47));
    t.ml = static_cast<uint8_t>(field64(w, 52, 55));
    t.qd = static_cast<uint8_t>(field64(w, 60, 63));
    return t;
  }
  /// Linux: ml * 4096 if ml > 0, else AP_DEFAULT_MAX_MSG_SIZE (12 KiB), in bytes.
  constexpr uint32_t max_msg_size() const { return ml ? ml * 4096u : 12u * 1024u; }
};

// ---------------------------------------------------------------------------------------
// AQIC control (GR1 input, struct ap_qirq_ctrl), §1.6
struct AqicControl {
  bool ir = false;       ///< bit 16: 1 = enable interruptions
  uint8_t gisc = 0;      ///< bits 21–23: guest ISC
  uint8_t gf = 0;        ///< bits 30–31: GISA format
  uint32_t gisa = 0;     ///< bits 33–59: GISA origin >> 4
  uint8_t isc = 0;       ///< bits 61–63: interruption subclass

  constexpr uint64_t pack() const {
    uint64_t w = 0;
    w = set_field64(w, 16, 16, ir);
    w = set_field64(w, 21, 23, gisc);
    w = set_field64(w, 30, 31, gf);
    w = set_field64(w, 33, 59, gisa);
    w = set_field64(w, 61, 63, isc);
    return w;
  }
  static constexpr AqicControl unpack(uint64_t w) {
    AqicControl c;
    c.ir = field64(w, 16, 16);
    c.gisc = static_cast<uint8_t>(field64(w, 21, 23));
    c.gf = static_cast<uint8_t>(field64(w, 30, 31));
    c.gisa = static_cast<uint32_t>(field64(w, 33, 59));
    c.isc = static_cast<uint8_t>(field64(w, 61, 63));
    return c;
  }
};

/// The host AP bus' interruption subclass (AP_ISC, asm/isc.h).
constexpr uint8_t AP_ISC = 6;
/// The host's GIB alert interruption subclass (GAL_ISC, asm/isc.h, spec §6.2).
constexpr uint8_t GAL_ISC = 5;

// ---------------------------------------------------------------------------------------
// QACT info (GR1 input and GR2 output of PQAP(QACT), union ap_qact_ap_info), §1.2:
// {3 reserved, mode:3, 26 reserved, cat:8, 8 reserved, ver[2]} MSB-first.
struct QactInfo {
  uint8_t mode = 0;   ///< bits 3–5: the facility word's mode bits D/A/X (Linux: (func >> 26) & 7)
  uint8_t cat = 0;    ///< bits 32–39: AP device type (category)
  uint16_t ver = 0;   ///< bits 48–63: version

  constexpr uint64_t pack() const {
    uint64_t w = 0;
    w = set_field64(w, 3, 5, mode);
    w = set_field64(w, 32, 39, cat);
    w = set_field64(w, 48, 63, ver);
    return w;
  }
  static constexpr QactInfo unpack(uint64_t w) {
    QactInfo q;
    q.mode = static_cast<uint8_t>(field64(w, 3, 5));
    q.cat = static_cast<uint8_t>(field64(w, 32, 39));
    q.ver = static_cast<uint16_t>(field64(w, 48, 63));
    return q;
  }
};
/// QACT mode value of a facility word (Linux ap_get_compatible_type: (func >> 26) & 7):
/// 4 = CCA (D), 2 = accelerator (A), 1 = EP11 (X).
constexpr uint8_t qact_mode(uint32_t functions) { return static_cast<uint8_t>((functions >> 26) & 7); }

}  // namespace apsim::arch
