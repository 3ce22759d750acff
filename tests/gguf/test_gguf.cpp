// The GGUF reader on valid files, and on truncated, corrupted and hostile ones: every
// bad file must give a kinglet::Error that names the problem, never a crash.
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <fstream>
#include <random>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "model/model.h"
#include "shared_data.h"
#include "util/error.h"

using namespace kinglet;

namespace {

std::vector<uint8_t> read_all(const QString& path) {
    std::ifstream f(path.toStdString(), std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

void write_all(const std::string& path, const std::vector<uint8_t>& data) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
}

// Opens the file; returns the error text, or "" when it opened.
std::string open_error(const std::string& path) {
    try {
        GgufFile::open(path);
        return "";
    } catch (const Error& e) {
        return e.what();
    }
}

std::vector<uint8_t> f32_bytes(const std::vector<float>& v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
}

std::vector<uint8_t> header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    std::vector<uint8_t> h;
    put<uint32_t>(h, 0x46554747);
    put<uint32_t>(h, version);
    put<uint64_t>(h, n_tensors);
    put<uint64_t>(h, n_kv);
    return h;
}

}  // namespace

class TestGguf : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string tmp(const char* name) { return (tmp_.path() + "/" + name).toStdString(); }

private slots:
    void validModelFilesOpen() {
        KINGLET_REQUIRE_SHARED(dir, "models");
        int opened = 0;
        for (const QString& name : QDir(dir).entryList({"*.gguf"})) {
            auto f = GgufFile::open((dir + "/" + name).toStdString());
            QVERIFY2(!f->tensors().empty(), qPrintable(name));
            QVERIFY(f->get_string("general.architecture").has_value());
            ++opened;
        }
        QVERIFY(opened >= 10);
    }

    void readsMetadataAndTensors() {
        KINGLET_REQUIRE_SHARED(path, "models/stories260K.gguf");
        auto f = GgufFile::open(path.toStdString());
        QCOMPARE(*f->get_string("general.architecture"), std::string("llama"));
        QCOMPARE(*f->get_int("llama.embedding_length"), int64_t(64));
        QCOMPARE(*f->get_int("llama.block_count"), int64_t(5));
        const GgufArray* tokens = f->get_array("tokenizer.ggml.tokens");
        QVERIFY(tokens);
        QCOMPARE(tokens->strings.size(), size_t(512));
        const TensorInfo* emb = f->find_tensor("token_embd.weight");
        QVERIFY(emb);
        QCOMPARE(emb->ne[0], int64_t(64));
        QCOMPARE(emb->ne[1], int64_t(512));
        QCOMPARE(emb->nbytes, size_t(64 * 512 * 4));
    }

    void writerRoundTrip() {
        GgufWriter w;
        w.set_string("general.architecture", "llama");
        w.set_u32("a.u32", 7);
        w.set_f32("a.f32", 1.5f);
        w.set_bool("a.bool", true);
        w.set_string_array("a.strings", {"x", "", "zz"});
        w.set_i32_array("a.ints", {-1, 2});
        w.add_tensor("t", GgmlType::F32, {4, 2}, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8}));
        w.write(tmp("rt.gguf"));
        auto f = GgufFile::open(tmp("rt.gguf"));
        QCOMPARE(*f->get_int("a.u32"), int64_t(7));
        QCOMPARE(*f->get_float("a.f32"), 1.5);
        QCOMPARE(*f->get_bool("a.bool"), true);
        QCOMPARE(f->get_array("a.strings")->strings, (std::vector<std::string>{"x", "", "zz"}));
        QCOMPARE(f->get_array("a.ints")->ints, (std::vector<int64_t>{-1, 2}));
        const TensorInfo* t = f->find_tensor("t");
        QVERIFY(t);
        float v[8];
        std::memcpy(v, t->data, 32);
        QCOMPARE(v[7], 8.0f);
    }

    void truncatedFilesFail() {
        KINGLET_REQUIRE_SHARED(path, "models/stories260K.gguf");
        auto data = read_all(path);
        auto f = GgufFile::open(path.toStdString());
        // Every byte up to the end of the last tensor is needed; only padding may follow.
        uint64_t data_end = 0;
        for (const auto& t : f->tensors()) data_end = std::max<uint64_t>(data_end, f->data_offset() + t.offset + t.nbytes);
        QVERIFY(data_end <= data.size());
        std::vector<size_t> cuts = {0, 1, 3, 4, 7, 8, 15, 16, 23, 24, 25, 31, 32, 100, 1000, 5000};
        for (size_t c = 10000; c < data.size(); c += data.size() / 37) cuts.push_back(c);
        cuts.push_back(size_t(data_end) - 1);
        for (size_t cut : cuts) {
            if (cut >= data_end) continue;
            write_all(tmp("cut.gguf"), std::vector<uint8_t>(data.begin(), data.begin() + cut));
            QVERIFY2(!open_error(tmp("cut.gguf")).empty(), qPrintable(QString("cut at %1 opened").arg(cut)));
        }
    }

    void flippedHeaderBytesNeverCrash() {
        KINGLET_REQUIRE_SHARED(path, "models/stories260K.gguf");
        auto data = read_all(path);
        std::mt19937 rng(1234);
        const size_t region = std::min<size_t>(data.size(), 24 * 1024);  // header + vocabulary
        int errors = 0;
        for (int round = 0; round < 300; ++round) {
            auto bad = data;
            for (int k = 0; k < 4; ++k) bad[rng() % region] ^= uint8_t(1u << (rng() % 8));
            write_all(tmp("flip.gguf"), bad);
            try {
                auto m = Model::load(tmp("flip.gguf"));
                (void)m;
            } catch (const Error&) {
                ++errors;
            }
        }
        QVERIFY(errors > 0);  // some flips must have been caught (others hit harmless bytes)
    }

    void absurdCountsFail() {
        struct Case { const char* what; std::vector<uint8_t> bytes; const char* expect; };
        std::vector<Case> cases;
        cases.push_back({"bad magic", {'G', 'G', 'M', 'L', 0, 0, 0, 0}, "magic"});
        cases.push_back({"version 1", header(1, 0, 0), "version"});
        cases.push_back({"huge tensor count", header(3, 1ull << 60, 0), "count"});
        cases.push_back({"huge kv count", header(3, 0, 1ull << 62), "count"});
        {
            auto h = header(3, 0, 1);
            put<uint64_t>(h, 1ull << 50);  // key length
            h.resize(h.size() + 32, 0);
            cases.push_back({"huge key length", h, "length"});
        }
        {
            auto h = header(3, 0, 1);
            put<uint64_t>(h, 1);
            h.push_back('k');
            put<uint32_t>(h, 9);           // array
            put<uint32_t>(h, 8);           // of strings
            put<uint64_t>(h, 1ull << 61);  // absurd length
            cases.push_back({"huge array", h, "count"});
        }
        {
            auto h = header(3, 0, 1);
            put<uint64_t>(h, 1);
            h.push_back('k');
            put<uint32_t>(h, 99);  // unknown value type
            cases.push_back({"unknown value type", h, "type"});
        }
        {
            auto h = header(3, 1, 0);
            put<uint64_t>(h, 1);
            h.push_back('t');
            put<uint32_t>(h, 5);  // 5 dims
            for (int i = 0; i < 5; ++i) put<uint64_t>(h, 1);
            put<uint32_t>(h, 0);
            put<uint64_t>(h, 0);
            cases.push_back({"five dimensions", h, "dimensions"});
        }
        {
            auto h = header(3, 1, 0);
            put<uint64_t>(h, 1);
            h.push_back('t');
            put<uint32_t>(h, 2);
            put<uint64_t>(h, 1ull << 40);
            put<uint64_t>(h, 1ull << 40);
            put<uint32_t>(h, 0);
            put<uint64_t>(h, 0);
            cases.push_back({"element count overflow", h, "elements"});
        }
        {
            auto h = header(3, 1, 0);
            put<uint64_t>(h, 1);
            h.push_back('t');
            put<uint32_t>(h, 1);
            put<uint64_t>(h, 32);
            put<uint32_t>(h, 77);  // unknown type
            put<uint64_t>(h, 0);
            cases.push_back({"unknown tensor type", h, "unknown type"});
        }
        {
            auto h = header(3, 1, 0);
            put<uint64_t>(h, 1);
            h.push_back('t');
            put<uint32_t>(h, 1);
            put<uint64_t>(h, 1024);
            put<uint32_t>(h, 0);
            put<uint64_t>(h, 0);
            h.resize(h.size() + 64, 0);  // far less than 4 KiB of data
            cases.push_back({"tensor past end", h, "extends past end of file"});
        }
        {
            auto h = header(3, 1, 0);
            put<uint64_t>(h, 1);
            h.push_back('t');
            put<uint32_t>(h, 1);
            put<uint64_t>(h, 33);  // not a multiple of the Q8_0 block of 32
            put<uint32_t>(h, 8);
            put<uint64_t>(h, 0);
            cases.push_back({"partial block", h, "block size"});
        }
        for (const auto& c : cases) {
            write_all(tmp("bad.gguf"), c.bytes);
            std::string err = open_error(tmp("bad.gguf"));
            QVERIFY2(!err.empty(), c.what);
            QVERIFY2(err.find(c.expect) != std::string::npos, qPrintable(QString("%1: %2").arg(c.what, err.c_str())));
        }
    }

    void duplicateTensorFails() {
        GgufWriter w;
        w.add_tensor("t", GgmlType::F32, {4}, f32_bytes({1, 2, 3, 4}));
        w.add_tensor("t", GgmlType::F32, {4}, f32_bytes({1, 2, 3, 4}));
        w.write(tmp("dup.gguf"));
        QVERIFY(open_error(tmp("dup.gguf")).find("duplicate tensor name 't'") != std::string::npos);
    }

    void badAlignmentFails() {
        GgufWriter w;
        w.set_u32("general.alignment", 3);
        w.write(tmp("align.gguf"));
        QVERIFY(open_error(tmp("align.gguf")).find("alignment") != std::string::npos);
    }

    void unsupportedArchitectureIsNamed() {
        GgufWriter w;
        w.set_string("general.architecture", "mamba");
        w.add_tensor("token_embd.weight", GgmlType::F32, {4, 2}, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8}));
        w.write(tmp("mamba.gguf"));
        try {
            Model::load(tmp("mamba.gguf"));
            QFAIL("a mamba model loaded");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("unsupported model architecture 'mamba'") != std::string::npos, e.what());
        }
    }

    void missingFileAndEmptyFile() {
        QVERIFY(open_error(tmp("does-not-exist.gguf")).find("cannot open") != std::string::npos);
        write_all(tmp("empty.gguf"), {});
        QVERIFY(open_error(tmp("empty.gguf")).find("empty") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestGguf)
#include "test_gguf.moc"
