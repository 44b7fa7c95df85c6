// See include/CCRC32C.h. Large inputs are cut into three interleaved streams so that the
// instruction's 3-cycle latency is hidden (one result per cycle); the three partial registers are
// then combined by carry-less "shift by N zero bytes" operators computed once per block length.
#include "CCRC32C.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#define RAFTCAST_CRC_TARGET __attribute__((target("sse4.2")))
#define CRC_U8(c, v) _mm_crc32_u8((c), (v))
#define CRC_U64(c, v) ((uint32_t)_mm_crc32_u64((c), (v)))
#elif defined(__aarch64__)
#include <arm_acle.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#endif
#define RAFTCAST_CRC_TARGET __attribute__((target("crc")))
#define CRC_U8(c, v) __crc32cb((c), (v))
#define CRC_U64(c, v) __crc32cd((c), (v))
#endif

#if defined(RAFTCAST_CRC_TARGET)

int raftcast_crc32c_hardware_available(void) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) ? 1 : 0;
#elif defined(__aarch64__) && defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) ? 1 : 0;
#else
    return 0;
#endif
}

/// Multiplication of two reflected polynomials modulo the Castagnoli polynomial (bitwise; only used to
/// build the shift operators below).
static uint32_t multiply(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (int i = 0; i < 32; i++) {
        if (a & 0x80000000u) product ^= b;
        a <<= 1;
        b = (b & 1) ? (b >> 1) ^ 0x82F63B78u : b >> 1;
    }
    return product;
}

/// x^(8 * bytes) mod P, reflected: the operator that appends `bytes` zero bytes to a register.
static uint32_t shift_operator(size_t bytes) {
    uint32_t result = 0x80000000u;  // x^0
    uint32_t power = 0x00800000u;   // x^8: one zero byte
    while (bytes) {
        if (bytes & 1) result = multiply(result, power);
        power = multiply(power, power);
        bytes >>= 1;
    }
    return result;
}

/// `crc` advanced over `bytes` zero bytes, through the 4 × 256 table of its operator.
static uint32_t apply(uint32_t table[4][256], uint32_t crc) {
    return table[0][crc & 0xFF] ^ table[1][(crc >> 8) & 0xFF] ^ table[2][(crc >> 16) & 0xFF] ^ table[3][crc >> 24];
}

static void build_table(uint32_t table[4][256], size_t bytes) {
    uint32_t op = shift_operator(bytes);
    for (int k = 0; k < 4; k++) {
        for (uint32_t b = 0; b < 256; b++) {
            table[k][b] = multiply(b << (8 * k), op);
        }
    }
}

/// Bytes per stream in one interleaved block (three streams: 3 × 8 KiB per block).
enum { STREAM_BYTES = 8192 };
static uint32_t stream_shift[4][256];
static pthread_once_t stream_shift_once = PTHREAD_ONCE_INIT;
static void build_stream_shift(void) { build_table(stream_shift, STREAM_BYTES); }

RAFTCAST_CRC_TARGET
static uint32_t serial(uint32_t crc, const unsigned char *p, size_t length) {
    while (length && ((uintptr_t)p & 7)) {
        crc = CRC_U8(crc, *p++);
        length--;
    }
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = CRC_U64(crc, word);
        p += 8;
        length -= 8;
    }
    while (length--) crc = CRC_U8(crc, *p++);
    return crc;
}

RAFTCAST_CRC_TARGET
uint32_t raftcast_crc32c_hardware_update(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = data;
    if (length >= 3 * STREAM_BYTES) {
        pthread_once(&stream_shift_once, build_stream_shift);
        while (length >= 3 * STREAM_BYTES) {
            uint32_t a = crc, b = 0, c = 0;
            const unsigned char *pa = p, *pb = p + STREAM_BYTES, *pc = p + 2 * STREAM_BYTES;
            for (size_t i = 0; i < STREAM_BYTES; i += 8) {
                uint64_t wa, wb, wc;
                memcpy(&wa, pa + i, 8);
                memcpy(&wb, pb + i, 8);
                memcpy(&wc, pc + i, 8);
                a = CRC_U64(a, wa);
                b = CRC_U64(b, wb);
                c = CRC_U64(c, wc);
            }
            // The register over A‖B‖C: A shifted past B, xor B, shifted past C, xor C (B and C were
            // started from 0, which the linearity of the CRC register allows).
            crc = apply(stream_shift, apply(stream_shift, a) ^ b) ^ c;
            p += 3 * STREAM_BYTES;
            length -= 3 * STREAM_BYTES;
        }
    }
    return serial(crc, p, length);
}

#else

int raftcast_crc32c_hardware_available(void) { return 0; }

uint32_t raftcast_crc32c_hardware_update(uint32_t crc, const void *data, size_t length) {
    (void)data;
    (void)length;
    return crc;
}

#endif
