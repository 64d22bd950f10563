// arch/fifo.h — the FIFO of one AP queue's requests or replies, on the machine's side
// (sc/ap_queue.h) and the kernel's (driver/linux/ap_bus.h).
//
// An AP queue is a per-APQN object: a 256 x 256 LPAR has 65,536 of them on each side, nearly
// all idle.  A default-constructed std::deque allocates its first 512-byte block and its map
// at once (libstdc++), about 600 bytes per FIFO before anything is queued: 65,536 queues with
// two FIFOs on each side took about 150 MB (issue 13).  Fifo is a boost::circular_buffer that
// owns no storage until the first push and doubles its capacity when a push finds it full;
// its storage is then kept (clear() and pop_front() free none), so a queue in steady state
// allocates nothing per request.  Unlike a bare circular_buffer, a push never overwrites the
// oldest element.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>

#include <boost/circular_buffer.hpp>

namespace apsim::arch {

template <class T>
class Fifo : public boost::circular_buffer<T> {
  using Base = boost::circular_buffer<T>;

 public:
  using typename Base::iterator;

  Fifo() = default;

  void push_back(const T& v) {
    reserve_more(1);
    Base::push_back(v);
  }
  void push_back(T&& v) {
    reserve_more(1);
    Base::push_back(std::move(v));
  }
  /// Insert [first, last) before `pos` (growing first: nothing is overwritten).
  template <class It>
  void insert(iterator pos, It first, It last) {
    const auto at = pos - Base::begin();
    reserve_more(static_cast<std::size_t>(std::distance(first, last)));
    Base::insert(Base::begin() + at, first, last);
  }

 private:
  /// Room for `n` more elements: double the capacity (at least 4) until they fit.
  void reserve_more(std::size_t n) {
    const std::size_t need = Base::size() + n;
    if (need <= Base::capacity()) return;
    std::size_t cap = std::max<std::size_t>(4, Base::capacity());
    while (cap < need) cap *= 2;
    Base::set_capacity(cap);
  }
};

}  // namespace apsim::arch
