// kinglet-cli: inspect, tokenize, run and benchmark GGUF models from the terminal.
// Exit status: 0 success, 1 usage error, 2 model or input error (one "error: ..." line).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <new>
#include <string>

#include "common.h"
#include "util/error.h"

#ifndef KINGLET_VERSION
#define KINGLET_VERSION "0.0.0"
#endif

namespace {

const char* kUsage =
    "usage: kinglet-cli COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  info      -m MODEL [--backend B] [--json]     what a model file holds (and where it would run)\n"
    "  tokenize  -m MODEL (-p TEXT | -f FILE) [--no-bos] [--special] [--bench]\n"
    "  generate  -m MODEL -p TEXT [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p M]\n"
    "            [--repeat-penalty R] [--seed S] [--ctx N] [--threads N] [--json]\n"
    "  logits    -m MODEL (-p TEXT | --tokens 1,2,3) [--top K] [--gen N] [--json]\n"
    "  chat      -m MODEL [--system TEXT]            a conversation in the terminal\n"
    "  summarize [-m MODEL] [--action NAME] [-f FILE] [--json] [-n N] [--language L]\n"
    "                                                the writing assistant on a file or stdin\n"
    "  bench     -m MODEL [-p 512] [-n 128] [-d 0] [-r 3] [--threads N] [--json]\n"
    "  quantize  IN.gguf OUT.gguf TYPE               Q8_0, Q4_0, Q4_K, Q6_K, Q4_K_M, F16\n"
    "  synth     --preset NAME --type T -o FILE      random weights, real shapes (for benchmarks)\n"
    "  template  (-m MODEL | --template-file F) --messages FILE.json [--add-generation-prompt]\n"
    "            [--bos S] [--eos S]                 render a chat template exactly (FILE.json: an\n"
    "                                                array of messages, or {messages, tools, ...})\n"
    "  devices   [--json]                            Vulkan devices Kinglet can use\n"
#ifdef KINGLET_CLI_DOWNLOAD
    "  download  URL [--sha256 HEX] [-o FILE] [--retries N]\n"
    "                                                fetch a model; run again to resume\n"
#else
    "  download  (not in this build: it needs Qt Network; build with the app)\n"
#endif
    "\n"
    "Commands that run a model also take --backend auto|cpu|vulkan and --device INDEX|NAME.\n"
    "Without -m, the demo model installed with Kinglet is used.\n";

}  // namespace

int main(int argc, char** argv) {
    using namespace kinglet::cli;
    std::ios::sync_with_stdio(false);
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 1;
    }
    const std::string command = argv[1];
    const ArgList rest(argv + 2, argv + argc);
    try {
        if (command == "--version" || command == "version") {
            std::printf("kinglet-cli %s\n", KINGLET_VERSION);
            return 0;
        }
        if (command == "--help" || command == "-h" || command == "help") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (command == "info") return cmd_info(rest);
        if (command == "tokenize") return cmd_tokenize(rest);
        if (command == "generate") return cmd_generate(rest);
        if (command == "chat") return cmd_chat(rest);
        if (command == "summarize") return cmd_summarize(rest);
        if (command == "logits") return cmd_logits(rest);
        if (command == "bench") return cmd_bench(rest);
        if (command == "quantize") return cmd_quantize(rest);
        if (command == "synth") return cmd_synth(rest);
        if (command == "devices") return cmd_devices(rest);
        if (command == "template") return cmd_template(rest);
#ifdef KINGLET_CLI_DOWNLOAD
        if (command == "download") return cmd_download(rest);
#else
        if (command == "download") throw UsageError("this kinglet-cli was built without Qt Network: no download command");
#endif
        throw UsageError("unknown command '" + command + "'");
    } catch (const UsageError& e) {
        std::fprintf(stderr, "error: %s\n%s", e.what(), kUsage);
        return 1;
    } catch (const kinglet::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 2;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "error: out of memory\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 2;
    }
}
