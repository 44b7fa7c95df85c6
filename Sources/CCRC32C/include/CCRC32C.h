// CRC-32C (Castagnoli) with the CPU's own instruction: SSE4.2 `crc32` on x86_64, the ARMv8 CRC
// extension's `crc32c` on aarch64. Whether the instruction is there is checked at run time (cpuid,
// the auxiliary vector); RaftStorage's CRC32C falls back to its slicing-by-8 table when it is not.
// The register is the raw running value (pre-inverted by the caller: start at 0xFFFFFFFF, invert at
// the end), so the two paths compose in one streaming checksum.
#ifndef RAFTCAST_CCRC32C_H
#define RAFTCAST_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has a CRC-32C instruction that raftcast_crc32c_hardware_update can use, else 0.
int raftcast_crc32c_hardware_available(void);

/// Advances the running (pre-inverted) register `crc` over `length` bytes at `data` with the CPU's
/// CRC-32C instruction. Only to be called when raftcast_crc32c_hardware_available() returned 1.
uint32_t raftcast_crc32c_hardware_update(uint32_t crc, const void *data, size_t length);

#endif
