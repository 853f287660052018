package org.trialfhir.server;

/**
 * Marks one of our Batch2 jobs as safe to have its chunks handed out again when the node that held
 * them died (screen/StaleChunks does it): every step of such a job gives the same result when a
 * chunk runs twice. A job registers one bean of this type next to its {@code JobDefinition}; HAPI's
 * own jobs (bulk export, reindex, ...) are not ours to declare so.
 *
 * @param definitionId the job definition id given to HAPI's {@code JobDefinition} builder
 */
public record ReclaimableJob(String definitionId) {}
