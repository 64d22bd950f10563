// arch/fifo.h — a FIFO that keeps its storage: boost::circular_buffer grown by doubling when
// full, never shrunk.  The per-request queues of both halves (the adapter's request and reply
// queues, the AP bus's requestq/pendingq) use it instead of std::deque, which frees and
// allocates a block every few hundred bytes of traffic: with it the steady state of a
// workload allocates nothing (issue 13).  In arch/ because both the hardware models (sc/) and
// the kernel (driver/linux/) use it; it is no part of the architected interface.
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
  Fifo() = default;

  void push_back(const T& v) {
    grow(1);
    Base::push_back(v);
  }
  void push_back(T&& v) {
    grow(1);
    Base::push_back(std::move(v));
  }
  template <class... A>
  void emplace_back(A&&... a) {
    push_back(T(std::forward<A>(a)...));
  }
  /// Insert [first, last) at `pos` (nothing is overwritten: the buffer grows first).
  template <class It>
  typename Base::iterator insert(typename Base::iterator pos, It first, It last) {
    const auto at = pos - Base::begin();
    grow(static_cast<size_t>(std::distance(first, last)));
    Base::insert(Base::begin() + at, first, last);
    return Base::begin() + at;
  }

 private:
  void grow(size_t n) {
    if (Base::size() + n <= Base::capacity()) return;
    Base::set_capacity(std::max<size_t>({8, 2 * Base::capacity(), Base::size() + n}));
  }
};

}  // namespace apsim::arch
