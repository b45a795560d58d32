-- Public analyst views: stable snake_case names, documented in the README. Re-created on every write.
CREATE OR REPLACE VIEW crimes AS
SELECT crime_id, month, force, longitude, latitude, location, lsoa_code, lsoa_name, crime_type,
       last_outcome
FROM street_crime;

CREATE OR REPLACE VIEW outcomes AS
SELECT crime_id, month, force, longitude, latitude, location, lsoa_code, lsoa_name, outcome_type
FROM outcome;

CREATE OR REPLACE VIEW stop_searches AS
SELECT force, month, searched_at, search_type, part_of_operation, policing_operation, latitude, longitude,
       gender, age_range, self_defined_ethnicity, officer_defined_ethnicity, legislation, object_of_search,
       outcome, outcome_linked_to_object, removal_of_more_than_outer_clothing
FROM stop_search;

CREATE OR REPLACE VIEW areas AS
SELECT l.lsoa_code, l.lsoa_name, l.vintage AS lsoa_vintage, l.ward_code, w.ward_name, l.la_code, a.la_name,
       pl.partnership_code, p.partnership_name, p.force
FROM lsoa l
LEFT JOIN ward w USING (ward_code)
LEFT JOIN local_authority a ON a.la_code = l.la_code
LEFT JOIN partnership_la pl ON pl.la_code = l.la_code
LEFT JOIN partnership p ON p.partnership_code = pl.partnership_code;

CREATE OR REPLACE VIEW monthly_crime_counts AS
SELECT g.force, g.month, g.lsoa_code, g.la_code, pl.partnership_code, g.crime_type, g.crimes
FROM agg_crime_month_lsoa g
LEFT JOIN partnership_la pl ON pl.la_code = g.la_code;

CREATE OR REPLACE VIEW action_progress AS
SELECT p.partnership_code, p.priority_id, p.title AS priority, p.lead_partner, a.action_id, a.title AS action,
       a.owner_partner, a.supporting_partners, a.start_date, a.due_date, a.status, a.pct_complete,
       a.commentary, a.updated_at
FROM action a JOIN priority p USING (priority_id);

CREATE OR REPLACE VIEW load_history AS
SELECT load_id, source, file_name, sha256, rows_read, rows_loaded, rows_rejected, detail, loaded_by, loaded_at
FROM load_log;

-- National geography (data/geography; ONS, MHCLG, Welsh Government, OGL v3.0): one row per 2021 LSOA with its
-- council area, partnership, force, Census 2021 residents (the latest population loaded), deprivation and class.
CREATE OR REPLACE VIEW lsoa_profiles AS
SELECT l.lsoa_code, l.lsoa_name, l.ward_code, l.la_code, pr.lad_code, pr.csp_code AS partnership_code,
       pr.pfa_code, f.force, pr.country, pop.residents, pr.deprivation_decile, pr.imd25_decile, pr.imd25_rank,
       pr.imd25_score, pr.wimd25_rank, pr.wimd25_decile, pr.ruc21_code, pr.ruc21_name, pr.urban_rural
FROM lsoa_profile pr
JOIN lsoa l USING (lsoa_code)
LEFT JOIN (SELECT area_code, arg_max(residents, year) AS residents FROM population WHERE area_type = 'lsoa'
           GROUP BY area_code) pop ON pop.area_code = l.lsoa_code
LEFT JOIN police_force f ON f.pfa_code = pr.pfa_code;

-- One row per partnership (shipped, ONS-loaded or declared): its residents (denominator of every rate per 1,000),
-- deprivation and rural-urban mix, for comparing like with like. Shares are of residents; deprivation deciles
-- are within each country (IMD 2025 England, WIMD 2025 Wales), so compare partnerships of the same country.
CREATE OR REPLACE VIEW partnership_profiles AS
WITH pop AS (SELECT area_code, arg_max(residents, year) AS residents FROM population WHERE area_type = 'lsoa'
             GROUP BY area_code),
members AS (
    SELECT pl.partnership_code, l.lsoa_code, pop.residents, pr.country, pr.deprivation_decile, pr.urban_rural
    FROM partnership_la pl
    JOIN lsoa l ON l.la_code = pl.la_code
    LEFT JOIN pop ON pop.area_code = l.lsoa_code
    LEFT JOIN lsoa_profile pr ON pr.lsoa_code = l.lsoa_code
)
SELECT p.partnership_code, p.partnership_name, p.force, f.pfa_code, coalesce(p.source, 'declared') AS source,
       count(m.lsoa_code) AS lsoas, count(m.residents) AS lsoas_with_residents,
       sum(m.residents)::BIGINT AS residents,
       string_agg(DISTINCT m.country, ' and ' ORDER BY m.country) AS country,
       round(coalesce(sum(m.residents) FILTER (WHERE m.deprivation_decile <= 2), 0) / sum(m.residents)
             FILTER (WHERE m.deprivation_decile IS NOT NULL), 4) AS share_in_most_deprived_20pct,
       round(sum(m.residents * m.deprivation_decile) / sum(m.residents)
             FILTER (WHERE m.deprivation_decile IS NOT NULL), 2) AS mean_deprivation_decile,
       round(coalesce(sum(m.residents) FILTER (WHERE m.urban_rural = 'Rural'), 0) / sum(m.residents)
             FILTER (WHERE m.urban_rural IS NOT NULL), 4) AS share_rural
FROM partnership p
LEFT JOIN members m USING (partnership_code)
LEFT JOIN police_force f ON f.force = p.force
GROUP BY ALL;
