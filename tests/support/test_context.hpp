// SPDX-License-Identifier: MIT
// Helpers shared by the unit tests: scratch folders, fixture files, whole-file reads.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#ifndef AIGW_FIXTURE_DIR
#error "AIGW_FIXTURE_DIR must name tests/fixtures"
#endif

namespace aigw::test {

inline std::filesystem::path&
scratch_root()
{
  static std::filesystem::path root = std::filesystem::temp_directory_path();
  return root;
}

inline void
set_scratch_root(const std::filesystem::path& root)
{
  scratch_root() = root;
}

// A fresh, empty folder for one test, left in place for inspection if the run fails.
class TempDir
{
public:
  TempDir()
  {
    static std::atomic<int> counter{0};
    m_path = scratch_root() / ("t" + std::to_string(++counter));
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }

  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
  std::filesystem::path m_path;
};

inline std::filesystem::path
fixture(const std::string& relative)
{
  return std::filesystem::path(AIGW_FIXTURE_DIR) / relative;
}

inline std::string
read_bytes(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void
write_bytes(const std::filesystem::path& path, const std::string& bytes)
{
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline std::string
read_fixture(const std::string& relative)
{
  return read_bytes(fixture(relative));
}

} // namespace aigw::test
