// sc/sim_time.h — SystemC's current time in ps, read inline.
//
// sc_core::sc_time_stamp() is a call into libsystemc (it returns the current simcontext's
// time), made several times per instruction and per software step — 2-4 % of a fast-mode
// workload's time (issue 13).  The simcontext's time_stamp() itself is inline in
// <sysc/kernel/sc_simcontext.h> (SystemC 2.3.4), as is sc_get_curr_simcontext().  apsim's
// time resolution is 1 ps (sc/timing.h), so an sc_time's value is ps.
#pragma once

#include <cstdint>

#include <systemc>

namespace apsim::sc {

/// SystemC's current simulated time in ps (sc_time_stamp().value()).
inline uint64_t sim_now_ps() { return sc_core::sc_get_curr_simcontext()->time_stamp().value(); }

}  // namespace apsim::sc
