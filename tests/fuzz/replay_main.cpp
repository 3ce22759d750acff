// Runs a fuzz target over saved inputs, without libFuzzer: how the targets run in ctest
// (with any compiler) on the inputs in tests/fuzz/corpus/, which hold cases the fuzzers
// found interesting: rejected files, odd templates, text that once broke something.
// Usage: fuzz_<target> FILE_OR_DIR...; exit 77 (skipped) when ../shared is missing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (!fs::exists(KINGLET_SHARED_DIR "/models")) {
        fprintf(stderr, "test data missing: %s (set KINGLET_SHARED_DIR)\n", KINGLET_SHARED_DIR);
        return getenv("CI") ? 1 : 77;
    }
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i) {
        if (fs::is_directory(argv[i])) {
            for (const auto& entry : fs::directory_iterator(argv[i]))
                if (entry.is_regular_file()) inputs.push_back(entry.path());
        } else {
            inputs.push_back(argv[i]);
        }
    }
    if (inputs.empty()) {
        fprintf(stderr, "usage: %s FILE_OR_DIR... (no inputs found)\n", argv[0]);
        return 1;
    }
    std::sort(inputs.begin(), inputs.end());
    for (const fs::path& path : inputs) {
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        fprintf(stderr, "%s\n", path.filename().c_str());
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    printf("%zu inputs ran\n", inputs.size());
    return 0;
}
