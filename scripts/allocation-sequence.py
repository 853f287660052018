#!/usr/bin/env python3
"""Recomputes a study's permuted-block allocation sequence from its seed, independently of the
server's Java code, so that an auditor can check the stored sequence (Basic, code
allocation-sequence): same seed, stratum, arms and block size must give the stored slots' arms.

    scripts/allocation-sequence.py --seed S --stratum all --arm "Experimental group:1" \
        --arm "Placebo Comparator group:1" --block-size 4 --blocks 6

The algorithm (also stored in the sequence's `algorithm`): a java.util.Random-compatible 48-bit LCG
seeded with the first 8 bytes (big-endian) of SHA-256(seed + "|" + stratum); each block lists every
arm ratio x (blockSize / sum of ratios) times in the study's arm order, then Fisher-Yates from the
last index down to 1, swapping i with nextInt(i + 1); blocks follow from the same generator.
"""
import argparse
import hashlib
import struct

MASK = (1 << 48) - 1


class JavaRandom:
    """java.util.Random, as its Javadoc specifies it."""

    def __init__(self, seed):
        self.seed = (seed ^ 0x5DEECE66D) & MASK

    def next(self, bits):
        self.seed = (self.seed * 0x5DEECE66D + 0xB) & MASK
        result = self.seed >> (48 - bits)
        return result - (1 << 32) if result >= (1 << 31) else result

    def next_int(self, bound):
        if bound & -bound == bound:
            return (bound * self.next(31)) >> 31
        while True:
            bits = self.next(31)
            value = bits % bound
            if bits - value + (bound - 1) < (1 << 31):
                return value


def sequence(seed, stratum, arms, block_size, blocks):
    digest = hashlib.sha256((seed + "|" + stratum).encode("utf-8")).digest()
    random = JavaRandom(struct.unpack(">q", digest[:8])[0])
    repeats = block_size // sum(ratio for _, ratio in arms)
    result = []
    for _ in range(blocks):
        block = [name for name, ratio in arms for _ in range(ratio * repeats)]
        for i in range(len(block) - 1, 0, -1):
            j = random.next_int(i + 1)
            block[i], block[j] = block[j], block[i]
        result += block
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", required=True)
    parser.add_argument("--stratum", default="all")
    parser.add_argument("--arm", action="append", required=True, help="name:ratio, in study order")
    parser.add_argument("--block-size", type=int, required=True)
    parser.add_argument("--blocks", type=int, default=1)
    args = parser.parse_args()
    arms = [(a.rsplit(":", 1)[0], int(a.rsplit(":", 1)[1])) for a in args.arm]
    for position, arm in enumerate(sequence(args.seed, args.stratum, arms, args.block_size, args.blocks), 1):
        print(f"{position}\t{(position - 1) // args.block_size + 1}\t{arm}")


if __name__ == "__main__":
    main()
