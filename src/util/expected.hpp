// SPDX-License-Identifier: MIT
// A small stand-in for C++23 std::expected: a value or an error, never both. Foreseeable
// failures travel as values of this type; only the top level turns them into exit codes.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

namespace aigw::util {

template <class E>
struct Unexpected
{
  E error;
};

// Wrap `error` so it converts into any Expected<T, E>.
template <class E>
Unexpected<std::decay_t<E>>
unexpected(E&& error)
{
  return {std::forward<E>(error)};
}

template <class T, class E>
class [[nodiscard]] Expected
{
public:
  Expected(T value) : m_storage(std::in_place_index<0>, std::move(value)) {}

  template <class G>
  Expected(Unexpected<G> failure)
    : m_storage(std::in_place_index<1>, std::move(failure.error))
  {
  }

  bool has_value() const { return m_storage.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(m_storage); }
  const T& value() const& { return std::get<0>(m_storage); }
  T&& value() && { return std::get<0>(std::move(m_storage)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& { return std::get<1>(m_storage); }
  E&& error() && { return std::get<1>(std::move(m_storage)); }

private:
  std::variant<T, E> m_storage;
};

template <class E>
class [[nodiscard]] Expected<void, E>
{
public:
  Expected() = default;

  template <class G>
  Expected(Unexpected<G> failure) : m_error(std::move(failure.error)), m_failed(true)
  {
  }

  bool has_value() const { return !m_failed; }
  explicit operator bool() const { return has_value(); }
  const E& error() const& { return m_error; }
  E&& error() && { return std::move(m_error); }

private:
  E m_error{};
  bool m_failed = false;
};

} // namespace aigw::util

// Return the error of `expr` from the enclosing function when it failed.
#define AIGW_TRY(expr)                                                                   \
  do {                                                                                   \
    auto&& aigw_try_result_ = (expr);                                                    \
    if (!aigw_try_result_) {                                                             \
      return ::aigw::util::unexpected(std::move(aigw_try_result_).error());              \
    }                                                                                    \
  } while (false)
