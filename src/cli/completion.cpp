// SPDX-License-Identifier: MIT
// `completion bash|zsh|fish`: the completion script for a shell, on stdout. The script is
// written from the parsed-for-real CLI11 app (this command's parent), so every command
// and option the binary has is completed, with nothing kept by hand. The hidden
// `completion man --template FILE` writes the man page from the same walk; it sits here
// because it is the same generator with a roff back end, and the build runs both (see
// packaging/generated.cmake). It is hidden because people read the installed page.
#include <memory>
#include <optional>
#include <string>

#include "aigw/version.hpp"
#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "util/fs.hpp"

namespace aigw::cli {

namespace {

struct CompletionOptions
{
  std::optional<std::string> shell;
  std::string man_template;
  CLI::App* man = nullptr;
};

std::string
script_for(const std::string& shell, const CommandModel& root)
{
  if (shell == "zsh") {
    return zsh_completion(root);
  }
  if (shell == "fish") {
    return fish_completion(root);
  }
  return bash_completion(root);
}

std::string
read_template(const std::string& path)
{
  auto text = util::value_or_throw(util::read_file_if_exists(path));
  if (!text) {
    throw util::Fatal(util::ErrorKind::usage, "man page template \"" + path + "\" not found");
  }
  return *text;
}

void
print_text(Context& context, const std::string& kind, std::string text)
{
  context.out.document({{"kind", kind}, {"text", text}});
  if (!text.empty() && text.back() == '\n') {
    text.pop_back(); // line() adds it back
  }
  context.out.line(text);
}

ExitCode
run_completion(const CompletionOptions& options, const CLI::App& root, Context& context)
{
  const CommandModel model = describe_app(root);
  if (options.man->parsed()) {
    const std::string page_template = read_template(options.man_template);
    print_text(context, "man", man_page(model, page_template, k_version));
    return ExitCode::ok;
  }
  if (!options.shell) {
    throw util::Fatal(util::ErrorKind::usage,
                      "completion needs a shell: aigw-setup completion bash|zsh|fish");
  }
  print_text(context, *options.shell, script_for(*options.shell, model));
  return ExitCode::ok;
}

} // namespace

CommandRunner
setup_completion(CLI::App& command)
{
  auto options = std::make_shared<CompletionOptions>();
  command.add_option("shell", options->shell, "bash, zsh or fish")
    ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  options->man = command.add_subcommand("man", "the man page, in roff");
  options->man->group(""); // hidden: for the build, which installs the page
  options->man->add_option("--template", options->man_template, "the page's prose (roff)")
    ->required();
  command.footer("\nExamples:\n"
                 "  source <(aigw-setup completion bash)\n"
                 "  aigw-setup completion zsh > \"${fpath[1]}/_aigw-setup\"\n"
                 "  aigw-setup completion fish > ~/.config/fish/completions/aigw-setup.fish\n");

  // Parsing is over when the runner is called, and the app is whole by then.
  const CLI::App* root = command.get_parent();
  return [options, root](Context& context) { return run_completion(*options, *root, context); };
}

} // namespace aigw::cli
