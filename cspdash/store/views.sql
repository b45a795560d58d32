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
