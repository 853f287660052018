package org.trialfhir.server;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings.ClientIdStrategyEnum;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings.IdStrategyEnum;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.api.model.HistoryCountModeEnum;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.entity.NormalizedQuantitySearchLevel;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The HAPI FHIR JPA R4 server: HAPI's own configuration classes plus the few beans they expect the
 * application to supply. Storage rules that matter to EHR interfaces are set here, in one place.
 */
@Configuration(proxyBeanMethods = false)
@Import({
  JpaR4Config.class,
  ThreadPoolFactoryConfig.class,
  JpaBatch2Config.class,
  Batch2JobsConfig.class,
  SubscriptionChannelConfig.class
})
class HapiJpaConfig {

  @Bean
  JpaStorageSettings storageSettings(FhirServerProperties properties) {
    JpaStorageSettings settings = new JpaStorageSettings();
    ClientIdStrategyEnum clientIds = ClientIdStrategyEnum.valueOf(properties.clientIdStrategy());
    settings.setResourceClientIdStrategy(clientIds);
    // With ANY a client may PUT "123"; sequential server ids could then collide, so use UUIDs.
    settings.setResourceServerIdStrategy(
        clientIds == ClientIdStrategyEnum.ANY
            ? IdStrategyEnum.UUID
            : IdStrategyEnum.SEQUENTIAL_NUMERIC);
    // A reference to nothing is an error, never a silently created placeholder.
    settings.setEnforceReferentialIntegrityOnWrite(true);
    settings.setEnforceReferentialIntegrityOnDelete(true);
    settings.setAutoCreatePlaceholderReferenceTargets(false);
    // EHR transactions commonly reference "Patient?identifier=..." instead of a server id.
    settings.setAllowInlineMatchUrlReferences(true);
    // HAPI would otherwise answer a repeated search from a 60 s cache and cap history at a cached
    // count: an EHR that writes and then reads back must see its own write.
    settings.setReuseCachedSearchResultsForMillis(null);
    settings.setHistoryCountMode(HistoryCountModeEnum.COUNT_ACCURATE);
    // Bundle.total on every search: apps page and show counts. Without it HAPI reports a total
    // only when a search happens to finish in its first pass, which interceptors change.
    settings.setDefaultTotalMode(SearchTotalModeEnum.ACCURATE);
    // title:contains=GXIPC1 is how coordinators and apps look for a study.
    settings.setAllowContainsSearches(true);
    // No UCUM normalisation of quantity indexes (HAPI's default, stated here because turning it on
    // looks tempting): it doubled the cost of every Observation written (measured: half of ingest
    // time in UCUM arithmetic). Searches compare a quantity in the unit it was stored in;
    // eligible-age converts units itself (study/StudySearchInterceptor).
    settings.setNormalizedQuantitySearchLevel(
        NormalizedQuantitySearchLevel.NORMALIZED_QUANTITY_SEARCH_NOT_SUPPORTED);
    settings.setAllowMultipleDelete(false);
    settings.setExpungeEnabled(false);
    settings.setDefaultSearchParamsCanBeOverridden(true);
    settings.setMarkResourcesForReindexingUponSearchParameterChange(true);
    return settings;
  }

  @Bean
  PartitionSettings partitionSettings() {
    return new PartitionSettings();
  }

  @Bean
  DatabaseBackedPagingProvider databaseBackedPagingProvider(FhirServerProperties properties) {
    DatabaseBackedPagingProvider provider = new DatabaseBackedPagingProvider();
    provider.setDefaultPageSize(properties.defaultPageSize());
    provider.setMaximumPageSize(properties.maxPageSize());
    return provider;
  }

  @Bean
  IResourceSupportedSvc resourceSupportedSvc(IDaoRegistry daoRegistry) {
    return new DaoRegistryResourceSupportedSvc(daoRegistry);
  }

  /** HAPI looks this up by name; without it {@code /metadata} fails. */
  @Bean(name = "myResourceCountsCache")
  ResourceCountCache resourceCountsCache(IFhirSystemDao<?, ?> systemDao) {
    return ResourceCountCacheUtil.newResourceCountCache(systemDao);
  }

  @Bean
  IStaleSearchDeletingSvc staleSearchDeletingSvc() {
    return new StaleSearchDeletingSvcImpl();
  }
}
