package org.trialfhir.bulkimport;

import ca.uhn.fhir.batch2.api.IJobPersistence;
import ca.uhn.fhir.batch2.model.JobDefinition;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.trialfhir.bulkimport.ImportModels.Chunk;
import org.trialfhir.bulkimport.ImportModels.ChunkOutcome;
import org.trialfhir.bulkimport.ImportModels.Parameters;
import org.trialfhir.bulkimport.ImportModels.Report;
import org.trialfhir.security.JobCallerRequests;

/**
 * Bulk import as a HAPI Batch2 job, the shape of HAPI's own {@code BULK_IMPORT_PULL} (fetch the
 * files into chunks, process the chunks, reduce to a report), with our own steps: HAPI's process
 * step writes each chunk as the system ({@code SystemRequestDetails}) in a batch that keeps the
 * good entries, where ours writes as the caller, all or nothing per chunk. Chunks are stored in the
 * database, so an import survives a restart.
 */
@Configuration(proxyBeanMethods = false)
class BulkImportJobConfig {

  static final String JOB = "trialfhir-bulk-import";
  static final String STORE = "store";

  @Bean
  JobDefinition<Parameters> bulkImportJob(
      DaoRegistry daos,
      JobCallerRequests callers,
      BulkImportProperties properties,
      ChunkWriter writer,
      IJobPersistence persistence) {
    return JobDefinition.newBuilder()
        .setJobDefinitionId(JOB)
        .setJobDescription("Import NDJSON files as the caller who asked, chunk by chunk")
        .setJobDefinitionVersion(1)
        .setParametersType(Parameters.class)
        // a reduction step needs each step to finish before the next starts
        .gatedExecution()
        .addFirstStep(
            "fetch",
            "Read the files and cut them into chunks",
            Chunk.class,
            new FetchFiles(daos, callers, properties))
        .addIntermediateStep(
            STORE,
            "Store each chunk in one transaction as the caller",
            ChunkOutcome.class,
            new StoreChunks(writer, callers, persistence))
        .addFinalReducerStep(
            "report", "Collect what was stored and refused", Report.class, new ImportReducer())
        .build();
  }
}
