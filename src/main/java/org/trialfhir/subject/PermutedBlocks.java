package org.trialfhir.subject;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A permuted-block allocation sequence, reproducible from its seed by anyone who follows {@link
 * #ALGORITHM} (it names only standard primitives, so an auditor need not run our code).
 */
final class PermutedBlocks {

  static final String ALGORITHM =
      "Permuted blocks. Per stratum, a java.util.Random (48-bit LCG) seeded with the first 8 bytes"
          + " (big-endian long) of SHA-256 over the UTF-8 bytes of seed + \"|\" + stratum. Each"
          + " block lists every arm ratio x (blockSize / sum of ratios) times in the study's arm"
          + " order, then Fisher-Yates: for i from the last index down to 1, swap i with"
          + " nextInt(i + 1). Blocks follow one another from the same generator.";

  /** An arm and its relative allocation weight. */
  record Arm(String name, int ratio) {
    @Override
    public String toString() {
      return name + ":" + ratio;
    }
  }

  private final List<Arm> arms;
  private final int blockSize;
  private final String seed;

  PermutedBlocks(List<Arm> arms, int blockSize, String seed) {
    int ratioSum = arms.stream().mapToInt(Arm::ratio).sum();
    if (arms.isEmpty() || blockSize % ratioSum != 0) {
      throw new IllegalArgumentException(
          "block size " + blockSize + " is not a multiple of the sum of ratios " + ratioSum);
    }
    this.arms = List.copyOf(arms);
    this.blockSize = blockSize;
    this.seed = seed;
  }

  /** The first {@code blocks} blocks of the stratum's sequence, as arm names in order. */
  List<String> sequence(String stratum, int blocks) {
    Random random = new Random(seedOf(seed + "|" + stratum));
    int repeats = blockSize / arms.stream().mapToInt(Arm::ratio).sum();
    List<String> sequence = new ArrayList<>(blocks * blockSize);
    for (int b = 0; b < blocks; b++) {
      List<String> block = new ArrayList<>(blockSize);
      for (Arm arm : arms) {
        for (int i = 0; i < arm.ratio() * repeats; i++) {
          block.add(arm.name());
        }
      }
      for (int i = block.size() - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        String swap = block.get(i);
        block.set(i, block.get(j));
        block.set(j, swap);
      }
      sequence.addAll(block);
    }
    return sequence;
  }

  int blockSize() {
    return blockSize;
  }

  private static long seedOf(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
