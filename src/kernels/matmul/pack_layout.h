// The row-interleaved ("packed") weight layout shared by the packer
// (packed.cpp) and the SIMD kernels (isa_*.cpp).
//
// A matrix is cut into groups of R consecutive rows (R = the SIMD lane count
// of 32-bit values: 16 for AVX-512, 8 for AVX2, 4 for NEON; a short last group
// is padded with zero rows). A group is stored as one record per block column,
// and every field of a record holds the R rows side by side, so one vector
// load yields the same field for all R rows and lane r of every accumulator
// belongs to row r. The kernels then reproduce the scalar reference's
// per-row float operations lane-wise, in the same order, with no horizontal
// reductions.
//
// A "code vector" is 4R bytes: 4 consecutive bytes per row, rows in order
// (byte 4r+i = element i of the row's quad). A quad is 4 elements whose
// products go into one 32-bit sum.
//
// 32-element blocks (Q4_0, IQ4_NL, Q8_0), quad q = elements 4q..4q+3:
//   codes   4-bit: 4 vectors; vector p holds quad p in its low nibbles and
//           quad p+4 in its high nibbles (the original qs bytes 4p..4p+3).
//           8-bit (Q8_0): 8 vectors, vector q = quad q (signed bytes).
//   d       R f16 scales.
// 256-element super-blocks (Q4_K, Q5_K, Q6_K), quad c = 8j + l (j = 32-element
// sub-block, l = 0..7) = elements 32j + l + 8i, i = 0..3. Every element of a
// quad falls in accumulation lane e % 8 = l of the reference, which keeps the
// reference's 8 per-lane sums exact. Codes are unsigned (Q6_K: code + 32).
//   nib     32 vectors: vector v holds bits 0..3 of quad 2v (low nibbles) and
//           of quad 2v+1 (high nibbles).
//   hi      Q5_K: 8 vectors, bit s of vector v = bit 4 of quad 8v+s.
//           Q6_K: 16 vectors, bits 2s..2s+1 of vector v = bits 4..5 of quad 4v+s.
//   d       R f16;  dmin R f16 (Q4_K, Q5_K)
//   scales  Q4_K/Q5_K: [8][R] u8 (sub-block scale of each row);
//           Q6_K: [8][R][2] i8 (the scales of 16-element sub-blocks 2j, 2j+1).
//   mins    Q4_K/Q5_K: [4][R][2] u8 (mins of sub-blocks 2p, 2p+1).
// F32 / F16 / BF16: one record per column: the R rows' elements.
//
// Everything here is constexpr and has internal linkage, so every translation
// unit (each compiled with its own ISA flags) gets its own copy.
#pragma once
#include <cstddef>
#include <cstdint>

#include "tensor/types.h"

namespace edgelm::kernels::pack_layout {

// Decode streams each packed weight byte from memory once, so the kernels
// ask for the bytes this far ahead of the record they work on (tiles.h), and
// the matmul asks for the first this-many bytes of each range a thread takes
// up front. Without it a thread alternates between waiting for memory and
// computing, and reaches only about half the bandwidth one core can draw.
// 4 KiB measured best on this project's Zen 5 machine (LM-head-sized
// matrices, 1 and 2 threads: 2-8 KiB all within noise, 0 clearly worse).
constexpr size_t kPrefetchBytes = 4096;
namespace {

enum class Family { None, Block32, SuperBlock, Float };

constexpr Family family_of(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_0:
    case GgmlType::Q8_0:
    case GgmlType::IQ4_NL: return Family::Block32;
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K: return Family::SuperBlock;
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16: return Family::Float;
    default: return Family::None;
  }
}

struct Record {
  Family family = Family::None;
  int rows = 0;            // R
  int elems = 0;           // elements of one row per record (block size, or 1)
  int hi_bits = 0;         // super-blocks: bits per code in the hi plane
  size_t nib = 0, hi = 0, d = 0, dmin = 0, scales = 0, mins = 0;   // field offsets
  size_t bytes = 0;        // record size
};

constexpr size_t vec_bytes(int rows) { return 4 * static_cast<size_t>(rows); }

constexpr Record record_of(GgmlType t, int rows) {
  Record r;
  r.family = family_of(t);
  r.rows = rows;
  const size_t R = static_cast<size_t>(rows);
  switch (r.family) {
    case Family::Block32: {
      r.elems = 32;
      const size_t code_bytes = (t == GgmlType::Q8_0 ? 8 : 4) * vec_bytes(rows);
      r.d = code_bytes;
      r.bytes = code_bytes + 2 * R;
      break;
    }
    case Family::SuperBlock: {
      r.elems = 256;
      r.hi_bits = t == GgmlType::Q4_K ? 0 : t == GgmlType::Q5_K ? 1 : 2;
      r.hi = 32 * vec_bytes(rows);
      r.d = r.hi + 8 * static_cast<size_t>(r.hi_bits) * vec_bytes(rows);
      if (t == GgmlType::Q6_K) {
        r.scales = r.d + 2 * R;
        r.bytes = r.scales + 16 * R;
      } else {
        r.dmin = r.d + 2 * R;
        r.scales = r.dmin + 2 * R;
        r.mins = r.scales + 8 * R;
        r.bytes = r.mins + 8 * R;
      }
      break;
    }
    case Family::Float:
      r.elems = 1;
      r.bytes = (t == GgmlType::F32 ? 4 : 2) * R;
      break;
    case Family::None: break;
  }
  return r;
}

// The hi-plane vector and bit shift of quad c of a super-block.
constexpr int hi_vector(int hi_bits, int c) { return c / (8 / hi_bits); }
constexpr int hi_shift(int hi_bits, int c) { return hi_bits * (c % (8 / hi_bits)); }

// Element (0..255) of super-block quad c, position i (0..3).
constexpr int superblock_element(int c, int i) { return 32 * (c / 8) + c % 8 + 8 * i; }

}  // namespace
}  // namespace edgelm::kernels::pack_layout
