package org.trialfhir.bulkimport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.trialfhir.bulkimport.ImportModels.Refusal;

/**
 * One file's refusals as the report lists them: at most {@code limit}, those with the lowest line
 * numbers whatever order the chunks finish in, and a count of the others. Memory stays bounded by
 * the limit however many lines a file has refused (a limit of 0 or less keeps all: jobs queued
 * before the limit existed).
 */
final class ListedRefusals {

  private static final Comparator<Refusal> BY_LINE = Comparator.comparingInt(Refusal::line);

  private final int limit;
  // The highest line on top, so that a lower line can replace it.
  private final PriorityQueue<Refusal> kept = new PriorityQueue<>(BY_LINE.reversed());
  private int notListed;

  ListedRefusals(int limit) {
    this.limit = limit;
  }

  void add(Refusal refusal) {
    kept.add(refusal);
    if (limit > 0 && kept.size() > limit) {
      kept.poll();
      notListed++;
    }
  }

  /** The refusals listed, by line. */
  List<Refusal> listed() {
    List<Refusal> listed = new ArrayList<>(kept);
    listed.sort(BY_LINE);
    return listed;
  }

  int notListed() {
    return notListed;
  }
}
