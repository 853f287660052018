package org.trialfhir.server;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.database.*}.
 *
 * @param migrateOnStart run HAPI's schema migrator at start-up (creates a fresh schema, upgrades an
 *     old one). Turn off where a DBA runs {@code hapi-fhir-cli migrate-database} instead; the
 *     server then expects an up-to-date schema.
 */
@Validated
@ConfigurationProperties("trialfhir.database")
record DatabaseProperties(@DefaultValue("true") boolean migrateOnStart) {}
