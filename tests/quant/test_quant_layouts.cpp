// Block layouts: every type gets a hand-built block whose decoded values were worked
// out by hand from the published GGUF/ggml layout (the numbers below are written out,
// not computed by the code under test). Plus half/bfloat16 conversion edge cases.
#include <QTest>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gguf/ggml_type.h"
#include "quant/quant.h"
#include "util/half.h"

using kinglet::GgmlType;

namespace {

struct Block {
    std::vector<uint8_t> bytes;
    explicit Block(GgmlType t) : bytes(kinglet::type_info(t).type_size, 0) {}
    void u8(size_t off, uint8_t v) { bytes.at(off) = v; }
    void u16(size_t off, uint16_t v) { u8(off, uint8_t(v & 0xff)); u8(off + 1, uint8_t(v >> 8)); }
    void f32(size_t off, float f) { QVERIFY(off + 4 <= bytes.size()); std::memcpy(&bytes[off], &f, 4); }
    void fill(size_t off, size_t len, uint8_t v) { QVERIFY(off + len <= bytes.size()); std::memset(&bytes[off], v, len); }
};

std::vector<float> decode(GgmlType t, const Block& b) {
    std::vector<float> out(kinglet::type_info(t).block_size);
    kinglet::dequantize_row(t, b.bytes.data(), out.data(), int64_t(out.size()));
    return out;
}

// Exact comparison with the index in the failure message.
#define EXPECT_VALUES(got, expected)                                                             \
    do {                                                                                         \
        QCOMPARE((got).size(), (expected).size());                                               \
        for (size_t i_ = 0; i_ < (got).size(); ++i_)                                             \
            if ((got)[i_] != (expected)[i_])                                                     \
                QFAIL(qPrintable(QString("element %1: got %2, expected %3")                      \
                                     .arg(i_).arg(double((got)[i_])).arg(double((expected)[i_])))); \
    } while (0)

// Half bit patterns used below.
constexpr uint16_t H_0_125 = 0x3000, H_0_25 = 0x3400, H_0_5 = 0x3800, H_1 = 0x3C00, H_2 = 0x4000,
                   H_M1 = 0xBC00;

}  // namespace

class TestQuantLayouts : public QObject {
    Q_OBJECT
private slots:
    void plainTypes() {
        {
            Block b(GgmlType::F16);  // one element per block
            b.u16(0, 0x3555);        // 1 + 0x155/1024 times 2^-2 = 0.333251953125
            QCOMPARE(decode(GgmlType::F16, b)[0], 0.333251953125f);
        }
        {
            Block b(GgmlType::BF16);
            b.u16(0, 0xC0A0);  // sign, exponent 129, mantissa .25: -5
            QCOMPARE(decode(GgmlType::BF16, b)[0], -5.0f);
            b.u16(0, 0x3E20);  // exponent 124, mantissa .25: 0.15625
            QCOMPARE(decode(GgmlType::BF16, b)[0], 0.15625f);
        }
        {
            Block b(GgmlType::F32);
            b.f32(0, -7.25f);
            QCOMPARE(decode(GgmlType::F32, b)[0], -7.25f);
        }
    }

    void q4_0() {
        Block b(GgmlType::Q4_0);  // d @0, qs[16] @2; byte j = element j (low), j+16 (high); q-8
        b.u16(0, H_0_5);
        b.fill(2, 16, 0x88);      // every element 8 -> 0
        b.u8(2 + 0, 0x9F);        // e0 = (15-8)*0.5 = 3.5, e16 = (9-8)*0.5 = 0.5
        b.u8(2 + 1, 0x08);        // e1 = 0, e17 = (0-8)*0.5 = -4
        std::vector<float> e(32, 0.0f);
        e[0] = 3.5f; e[16] = 0.5f; e[17] = -4.0f;
        EXPECT_VALUES(decode(GgmlType::Q4_0, b), e);
    }

    void q4_1() {
        Block b(GgmlType::Q4_1);  // d @0, m @2, qs @4; value q*d + m
        b.u16(0, H_0_25);
        b.u16(2, H_M1);
        b.u8(4 + 0, 0x3A);        // e0 = 10*0.25-1 = 1.5, e16 = 3*0.25-1 = -0.25
        std::vector<float> e(32, -1.0f);
        e[0] = 1.5f; e[16] = -0.25f;
        EXPECT_VALUES(decode(GgmlType::Q4_1, b), e);
    }

    void q5_0() {
        Block b(GgmlType::Q5_0);  // d @0, qh[4] @2 (bit j = 5th bit of element j), qs @6; q-16
        b.u16(0, H_1);
        b.u8(2, 0x01);            // bit 0: element 0
        b.u8(4, 0x02);            // bit 17: element 17
        b.u8(6 + 0, 0x0F);        // e0 = (15|16)-16 = 15, e16 = 0-16 = -16
        b.u8(6 + 1, 0x21);        // e1 = 1-16 = -15, e17 = (2|16)-16 = 2
        std::vector<float> e(32, -16.0f);
        e[0] = 15; e[1] = -15; e[17] = 2;
        EXPECT_VALUES(decode(GgmlType::Q5_0, b), e);
    }

    void q5_1() {
        Block b(GgmlType::Q5_1);  // d @0, m @2, qh @4, qs @8; q*d + m
        b.u16(0, H_0_5);
        b.u16(2, H_2);
        b.u8(4 + 3, 0x80);        // bit 31: element 31
        b.u8(8 + 15, 0xF1);       // e15 = 1*0.5+2 = 2.5, e31 = 31*0.5+2 = 17.5
        std::vector<float> e(32, 2.0f);
        e[15] = 2.5f; e[31] = 17.5f;
        EXPECT_VALUES(decode(GgmlType::Q5_1, b), e);
    }

    void q8_0() {
        Block b(GgmlType::Q8_0);  // d @0, int8 qs[32] @2
        b.u16(0, H_0_125);
        b.u8(2 + 0, 0x80);        // -128 * 0.125 = -16
        b.u8(2 + 5, 7);           // 0.875
        b.u8(2 + 31, 127);        // 15.875
        std::vector<float> e(32, 0.0f);
        e[0] = -16; e[5] = 0.875f; e[31] = 15.875f;
        EXPECT_VALUES(decode(GgmlType::Q8_0, b), e);
    }

    void iq4_nl() {
        Block b(GgmlType::IQ4_NL);  // d @0, qs @2; nibble indexes the codebook
        b.u16(0, H_2);
        b.fill(2, 16, 0x88);        // index 8 -> codebook value 1 -> 2
        b.u8(2 + 0, 0x0F);          // e0 = 113*2 = 226, e16 = -127*2 = -254
        b.u8(2 + 3, 0x78);          // e3 = 1*2 = 2, e19 = -10*2 = -20
        std::vector<float> e(32, 2.0f);
        e[0] = 226; e[16] = -254; e[19] = -20;
        EXPECT_VALUES(decode(GgmlType::IQ4_NL, b), e);
    }

    void q8_k() {
        Block b(GgmlType::Q8_K);  // float d @0, int8 qs[256] @4, int16 bsums[16] @260
        b.f32(0, 0.5f);
        b.u8(4 + 0, 0xFF);        // -1 -> -0.5
        b.u8(4 + 255, 100);       // 50
        std::vector<float> e(256, 0.0f);
        e[0] = -0.5f; e[255] = 50;
        EXPECT_VALUES(decode(GgmlType::Q8_K, b), e);
    }

    void q2_k() {
        // scales[16] @0 (low nibble scale, high nibble min, per 16 elements), qs[64] @16,
        // d @80, dmin @82. Element 32*j + l of each 128-half: bits 2j of qs[half*32 + l].
        Block b(GgmlType::Q2_K);
        b.u16(80, H_1);
        b.u16(82, H_0_5);
        b.u8(0, 0x23);            // sub-block 0: scale 3, min 2
        b.u8(1, 0x10);            // sub-block 1: scale 0, min 1
        b.u8(2, 0x15);            // sub-block 2: scale 5, min 1
        b.u8(4, 0x0F);            // sub-block 4: scale 15, min 0
        b.u8(6, 0xF7);            // sub-block 6: scale 7, min 15
        b.u8(8, 0x02);            // sub-block 8: scale 2, min 0
        b.u8(16 + 0, 0xE4);       // e0 = 0, e32 = 1, e64 = 2, e96 = 3
        b.u8(16 + 32 + 5, 0x03);  // e133 = 3
        std::vector<float> e(256, 0.0f);
        for (int i = 0; i < 16; ++i) e[i] = -1.0f;         // 3*0 - 0.5*2
        for (int i = 16; i < 32; ++i) e[i] = -0.5f;        // 0 - 0.5*1
        for (int i = 32; i < 48; ++i) e[i] = -0.5f;        // 5*0 - 0.5
        for (int i = 96; i < 112; ++i) e[i] = -7.5f;       // 7*0 - 0.5*15
        e[32] = 4.5f;                                      // 5*1 - 0.5
        e[64] = 30.0f;                                     // 15*2
        e[96] = 13.5f;                                     // 7*3 - 7.5
        e[133] = 6.0f;                                     // 2*3
        EXPECT_VALUES(decode(GgmlType::Q2_K, b), e);
    }

    void q3_k() {
        // hmask[32] @0, qs[64] @32, scales[12] @96, d @108. Scale i: low nibble in byte i
        // (i<8) or high nibble of byte i-8, top 2 bits at bits 2*(i/4) of byte 8+i%4,
        // minus 32. Value: ((qs bits) - (hmask bit e/32 of byte e%32 ? 0 : 4)) * scale * d.
        Block b(GgmlType::Q3_K);
        b.u16(108, H_0_5);
        b.fill(0, 32, 0xFF);           // no -4 anywhere by default
        b.fill(96 + 8, 4, 0xAA);       // every scale's top bits = 2 -> scale 32 -> 0
        b.u8(96 + 0, 0x01);            // scale 0 = (1 | 2<<4) - 32 = 1
        b.u8(96 + 1, 0xD0);            // scale 9 low nibble 0xD
        b.u8(96 + 9, 0x9A);            // scale 9 top bits (bits 4-5 of byte 9) = 1 -> 29-32 = -3
        b.u8(32 + 0, 0x03);            // e0: q = 3 -> 0.5*1*3 = 1.5
        b.u8(1, 0xFE);                 // e1: hmask bit 0 clear, q = 0-4 -> -2
        b.u8(32 + 48, 0x02);           // e144 (half 1, l 16): q = 2 -> 0.5*-3*2 = -3
        b.u8(32 + 49, 0x01);           // e145: q = 1 ...
        b.u8(17, 0xEF);                // ... hmask[17] bit 4 clear -> 1-4 = -3 -> 4.5
        std::vector<float> e(256, 0.0f);
        e[0] = 1.5f; e[1] = -2.0f; e[144] = -3.0f; e[145] = 4.5f;
        // the rest of sub-block 0 has q = 0 -> 0; sub-block 9 q = 0 -> 0
        EXPECT_VALUES(decode(GgmlType::Q3_K, b), e);
    }

    void q4_k() {
        // d @0, dmin @2, scales[12] @4, qs[128] @16. Sub-block j (32 elements) has 6-bit
        // scale/min; j<4: bytes j, j+4; j>=4: nibbles of byte j+4, top bits in bytes
        // j-4 / j. Value d*scale*q - dmin*min; 64 elements per 32 qs bytes (low, high).
        Block b(GgmlType::Q4_K);
        b.u16(0, H_1);
        b.u16(2, H_0_25);
        b.u8(4 + 0, 2);           // sub 0: scale 2
        b.u8(4 + 4, 4);           // sub 0: min 4
        b.u8(4 + 9, 0x13);        // sub 5: scale low 3, min low 1
        b.u8(4 + 1, 0x80);        // sub 5: scale top bits 2 -> 35
        b.u8(4 + 5, 0x40);        // sub 5: min top bits 1 -> 17
        b.u8(16 + 0, 0x7A);       // e0 = 10 (sub 0), e32 = 7 (sub 1: scale 0, min 0)
        b.u8(16 + 64, 0xF0);      // e128 = 0 (sub 4), e160 = 15 (sub 5)
        std::vector<float> e(256, 0.0f);
        for (int i = 0; i < 32; ++i) e[i] = -1.0f;         // 2*0 - 0.25*4
        for (int i = 160; i < 192; ++i) e[i] = -4.25f;     // 0 - 0.25*17
        e[0] = 19.0f;                                      // 2*10 - 1
        e[160] = 520.75f;                                  // 35*15 - 4.25
        EXPECT_VALUES(decode(GgmlType::Q4_K, b), e);
    }

    void q5_k() {
        // Q4_K plus qh[32] @16 (5th bit of element e: bit e/32 of qh[e%32]), qs @48.
        Block b(GgmlType::Q5_K);
        b.u16(0, H_1);
        b.u16(2, H_0_25);
        b.u8(4 + 0, 2);
        b.u8(4 + 4, 4);
        b.u8(4 + 9, 0x13);
        b.u8(4 + 1, 0x80);
        b.u8(4 + 5, 0x40);
        b.u8(16 + 0, 0x20);       // e160 (bit 5 of qh[0]) gets +16
        b.u8(16 + 1, 0x01);       // e1 (bit 0 of qh[1]) gets +16
        b.u8(48 + 64, 0xF0);      // e160 low bits 15 -> 31
        std::vector<float> e(256, 0.0f);
        for (int i = 0; i < 32; ++i) e[i] = -1.0f;
        for (int i = 160; i < 192; ++i) e[i] = -4.25f;
        e[1] = 31.0f;                                      // 2*16 - 1
        e[160] = 1080.75f;                                 // 35*31 - 4.25
        EXPECT_VALUES(decode(GgmlType::Q5_K, b), e);
    }

    void q6_k() {
        // ql[128] @0, qh[64] @128, int8 scales[16] @192, d @208. Per 128 elements: element
        // l: low nibble ql[l], qh[l] bits 0-1; l+32: ql[l+32] low, bits 2-3; l+64: ql[l]
        // high, bits 4-5; l+96: ql[l+32] high, bits 6-7. Value d*scale[e/16]*(q-32).
        Block b(GgmlType::Q6_K);
        b.u16(208, H_0_5);
        b.u8(192 + 0, 2);
        b.u8(192 + 5, 0xFD);      // -3
        b.u8(0, 0x0F);
        b.u8(128 + 0, 0x03);      // e0 = 63-32 = 31 -> 0.5*2*31 = 31
        b.u8(16, 0x50);           // e80 (l 16 + 64) high nibble 5 ...
        b.u8(128 + 16, 0x20);     // ... qh bits 4-5 = 2 -> 37-32 = 5 -> 0.5*-3*5 = -7.5
        std::vector<float> e(256, 0.0f);
        for (int i = 0; i < 16; ++i) e[i] = -32.0f;        // 0.5*2*-32
        for (int i = 80; i < 96; ++i) e[i] = 48.0f;        // 0.5*-3*-32
        e[0] = 31.0f;
        e[80] = -7.5f;
        EXPECT_VALUES(decode(GgmlType::Q6_K, b), e);
    }

    void iq4_xs() {
        // d @0, scales_h @2 (2 bits per 32-element sub-block), scales_l[4] @4 (nibbles),
        // qs[128] @8 (16 bytes per sub-block, low then high nibbles); value
        // d * (scale - 32) * codebook[nibble].
        Block b(GgmlType::IQ4_XS);
        b.u16(0, H_0_5);
        b.u16(2, 0xAA6A);         // top bits 2 everywhere, sub-block 3 gets 1
        b.u8(4 + 0, 0x01);        // sub 0 low nibble 1 -> 33 -> +1
        b.u8(4 + 1, 0xC0);        // sub 3 low nibble 0xC -> 28 -> -4
        b.u8(8 + 0, 0xF0);        // e0 = codebook[0] = -127, e16 = codebook[15] = 113
        b.u8(8 + 48, 0x88);       // e96, e112 = codebook[8] = 1
        std::vector<float> e(256, 0.0f);
        for (int i = 0; i < 32; ++i) e[i] = -63.5f;        // 0.5*1*-127
        for (int i = 96; i < 128; ++i) e[i] = 254.0f;      // 0.5*-4*-127
        e[16] = 56.5f;                                     // 0.5*113
        e[96] = -2.0f; e[112] = -2.0f;                     // 0.5*-4*1
        EXPECT_VALUES(decode(GgmlType::IQ4_XS, b), e);
    }

    void halfToFloat() {
        using kinglet::fp16_to_fp32;
        QCOMPARE(fp16_to_fp32(0x3C00), 1.0f);
        QCOMPARE(fp16_to_fp32(0xC000), -2.0f);
        QCOMPARE(fp16_to_fp32(0x7BFF), 65504.0f);
        QCOMPARE(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));       // smallest normal
        QCOMPARE(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));       // smallest subnormal
        QCOMPARE(fp16_to_fp32(0x03FF), std::ldexp(1023.0f, -24));    // largest subnormal
        QCOMPARE(fp16_to_fp32(0x8001), -std::ldexp(1.0f, -24));
        QVERIFY(std::isinf(fp16_to_fp32(0x7C00)) && fp16_to_fp32(0x7C00) > 0);
        QVERIFY(std::isnan(fp16_to_fp32(0x7E00)));
        QVERIFY(std::signbit(fp16_to_fp32(0x8000)));
    }

    void floatToHalf() {
        using kinglet::fp32_to_fp16;
        QCOMPARE(fp32_to_fp16(1.0f), uint16_t(0x3C00));
        QCOMPARE(fp32_to_fp16(-0.0f), uint16_t(0x8000));
        QCOMPARE(fp32_to_fp16(65504.0f), uint16_t(0x7BFF));
        QCOMPARE(fp32_to_fp16(65519.0f), uint16_t(0x7BFF));          // below the midpoint
        QCOMPARE(fp32_to_fp16(65520.0f), uint16_t(0x7C00));          // midpoint: even = inf
        QCOMPARE(fp32_to_fp16(1e10f), uint16_t(0x7C00));
        QCOMPARE(fp32_to_fp16(-std::numeric_limits<float>::infinity()), uint16_t(0xFC00));
        QVERIFY((fp32_to_fp16(std::numeric_limits<float>::quiet_NaN()) & 0x7FFF) > 0x7C00);
        // ties to even in the normal range: 1 + 2^-11 is halfway between 0x3C00 and 0x3C01
        QCOMPARE(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), uint16_t(0x3C00));
        QCOMPARE(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), uint16_t(0x3C02));
        QCOMPARE(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), uint16_t(0x3C01));
        // subnormals
        QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -24)), uint16_t(0x0001));
        QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -25)), uint16_t(0x0000));            // tie -> even 0
        QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -25) * 1.0001f), uint16_t(0x0001));  // above tie
        QCOMPARE(fp32_to_fp16(std::ldexp(3.0f, -25)), uint16_t(0x0002));            // 1.5 ulp -> 2
        QCOMPARE(fp32_to_fp16(std::ldexp(5.0f, -25)), uint16_t(0x0002));            // 2.5 ulp -> 2
        QCOMPARE(fp32_to_fp16(std::ldexp(1023.5f, -24)), uint16_t(0x0400));         // rounds up to normal
        QCOMPARE(fp32_to_fp16(-std::ldexp(1.0f, -24)), uint16_t(0x8001));
        QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -30)), uint16_t(0x0000));
        // every finite half survives the round trip
        for (uint32_t h = 0; h < 0x10000; ++h) {
            if ((h & 0x7C00) == 0x7C00) continue;
            const uint16_t back = fp32_to_fp16(kinglet::fp16_to_fp32(uint16_t(h)));
            if (back != h) QFAIL(qPrintable(QString("half 0x%1 came back as 0x%2").arg(h, 0, 16).arg(back, 0, 16)));
        }
    }

    // The kernels decode fp16 with their own converter; it must agree with util/half.h
    // on every one of the 65536 bit patterns.
    void f16RowDecodeExhaustive() {
        std::vector<uint16_t> all(65536);
        for (uint32_t h = 0; h < 65536; ++h) all[h] = uint16_t(h);
        std::vector<float> got(65536);
        kinglet::dequantize_row(GgmlType::F16, all.data(), got.data(), 65536);
        for (uint32_t h = 0; h < 65536; ++h) {
            const float want = kinglet::fp16_to_fp32(uint16_t(h));
            if (std::isnan(want)) {  // payload may be quieted by hardware converters
                QVERIFY(std::isnan(got[h]) && std::signbit(got[h]) == std::signbit(want));
                continue;
            }
            uint32_t a, b;
            std::memcpy(&a, &got[h], 4);
            std::memcpy(&b, &want, 4);
            if (a != b) QFAIL(qPrintable(QString("half 0x%1: 0x%2 vs 0x%3").arg(h, 0, 16).arg(a, 0, 16).arg(b, 0, 16)));
        }
    }

    void floatToBf16() {
        auto bf = [](float f) {
            uint16_t out;
            kinglet::quantize_row(GgmlType::BF16, &f, &out, 1);
            return out;
        };
        QCOMPARE(bf(1.0f), uint16_t(0x3F80));
        QCOMPARE(bf(1.0f + std::ldexp(1.0f, -8)), uint16_t(0x3F80));       // tie -> even
        QCOMPARE(bf(1.0f + 3 * std::ldexp(1.0f, -8)), uint16_t(0x3F82));   // tie -> even (up)
        QCOMPARE(bf(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -16)), uint16_t(0x3F81));
        QCOMPARE(bf(-5.0f), uint16_t(0xC0A0));
        QVERIFY((bf(std::numeric_limits<float>::quiet_NaN()) & 0x7FFF) > 0x7F80);
    }
};

QTEST_GUILESS_MAIN(TestQuantLayouts)
#include "test_quant_layouts.moc"
