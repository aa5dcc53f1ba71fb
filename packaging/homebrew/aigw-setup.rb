# SPDX-License-Identifier: MIT
# Homebrew formula for aigw-setup: builds the release's source tarball with CMake against
# Homebrew's libraries and installs the binary, the man page, the bash, zsh and fish
# completions, and share/aigw-setup/templates with the example rollout file. For a tap:
# copy it to Formula/aigw-setup.rb there, after the release step has filled in the lines
# marked RELEASE (this repository has no release URL yet).
class AigwSetup < Formula
  desc "Route coding agents through a Databricks AI Gateway"
  homepage "https://example.invalid/aigw-setup" # RELEASE: the project's page
  # RELEASE: the source tarball of the tag, and `shasum -a 256` of that file.
  url "https://example.invalid/aigw-setup/archive/refs/tags/v0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "MIT"

  depends_on "boost" => :build # Asio and Beast, header-only: the relay's server
  depends_on "cli11" => :build
  depends_on "cmake" => :build
  depends_on "nlohmann-json" => :build
  depends_on "pkg-config" => :build
  depends_on "tomlplusplus" => :build
  depends_on "brotli" # the relay decodes br request bodies
  depends_on "openssl@3"
  depends_on "protobuf" # libprotobuf at run time, protoc at build time
  depends_on "yaml-cpp"

  uses_from_macos "curl"
  uses_from_macos "sqlite"
  uses_from_macos "zlib" # the relay decodes gzip and deflate request bodies

  # The diff library (header-only) has no Homebrew formula.
  resource "dtl" do
    # RELEASE: the dtl version Debian 12 ships (libdtl-dev 1.20), and its sha256.
    url "https://github.com/cubicdaiya/dtl/archive/refs/tags/v1.20.tar.gz"
    sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  end

  def install
    resource("dtl").stage { (buildpath/"vendor").install "dtl" }

    # The unit tests (doctest) are not built in a bottle; `brew test` runs the binary.
    system "cmake", "-S", ".", "-B", "build", "-DAIGW_ENABLE_TESTS=OFF",
           "-DDTL_INCLUDE_DIR=#{buildpath}/vendor", *std_cmake_args
    system "cmake", "--build", "build"
    # Also installs the man page and the completions, where Homebrew links them from:
    # share/man/man1, share/bash-completion/completions, share/zsh/site-functions and
    # share/fish/vendor_completions.d.
    system "cmake", "--install", "build"
  end

  test do
    assert_equal "aigw-setup #{version}", shell_output("#{bin}/aigw-setup --version").strip
    assert_path_exists man1/"aigw-setup.1"
    assert_path_exists share/"bash-completion/completions/aigw-setup"
    assert_path_exists zsh_completion/"_aigw-setup"
    assert_path_exists fish_completion/"aigw-setup.fish"

    # The example rollout file in a throwaway home: a dry run reads it, writes nothing.
    ENV["AIGW_DATABRICKS_TOKEN"] = "brew-test-token"
    example = pkgshare/"templates/rollout.example.yaml"
    output = shell_output("#{bin}/aigw-setup --home #{testpath} --dry-run apply -f #{example}")
    assert_match "dry run: nothing was written", output
    refute_path_exists testpath/".claude"
  end
end
