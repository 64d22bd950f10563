// sc/signal_trace.h — VCD tracing of a module's probe signals.
#pragma once

#include <systemc>

namespace apsim::sc {

/// sc_trace each signal under its hierarchical name ("module.signal"): the models name their
/// probe signals after what the waves should call them, so each name is written once.
template <typename... Signals>
void trace_signals(sc_core::sc_trace_file* tf, const Signals&... signals) {
  (sc_core::sc_trace(tf, signals, signals.name()), ...);
}

}  // namespace apsim::sc
