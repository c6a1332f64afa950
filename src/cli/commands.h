// Every `edgelm <command>` is one function in its own cmd_<name>.cpp file.
#pragma once

namespace edgelm::cli {

// argv[0] is the command name ("run", "logits", ...). Returns the exit status.
// Throw edgelm::Error for bad input: main() prints it and exits with status 2.
int cmd_run(int argc, char** argv);
int cmd_logits(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_inspect(int argc, char** argv);
int cmd_synth(int argc, char** argv);
int cmd_template(int argc, char** argv);
int cmd_toolcalls(int argc, char** argv);
int cmd_chat(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_serve(int argc, char** argv);
int cmd_bench_serve(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_compare(int argc, char** argv);
int cmd_pull(int argc, char** argv);

}  // namespace edgelm::cli
