-- cspdash store schema. Every statement is idempotent (IF NOT EXISTS / OR REPLACE).
-- Raw tables keep what was loaded; agg_* tables are rebuilt by cspdash.store.aggregates after each load;
-- public views (no leading underscore, snake_case) are the stable interface for analysts' own SQL.

-- ---------------------------------------------------------------- bookkeeping
CREATE SEQUENCE IF NOT EXISTS load_id_seq START 1;
CREATE TABLE IF NOT EXISTS load_log (
    load_id      INTEGER PRIMARY KEY,
    source       VARCHAR NOT NULL,        -- police_uk_street, police_uk_outcomes, police_uk_stop_search, geography, population, boundaries, action_plan, indicators
    file_name    VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    rows_read    BIGINT NOT NULL,
    rows_loaded  BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    detail       VARCHAR,                 -- e.g. months replaced
    loaded_by    VARCHAR,
    loaded_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS load_reject (
    load_id   INTEGER NOT NULL,
    file_name VARCHAR NOT NULL,
    line      BIGINT,
    column_name VARCHAR,
    value     VARCHAR,
    reason    VARCHAR NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1;
CREATE TABLE IF NOT EXISTS edit_audit (
    audit_id   BIGINT PRIMARY KEY,
    edited_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name  VARCHAR NOT NULL,
    user_role  VARCHAR,
    entity     VARCHAR NOT NULL,          -- action, recommendation, question, ...
    entity_id  VARCHAR NOT NULL,
    field      VARCHAR NOT NULL,
    old_value  VARCHAR,
    new_value  VARCHAR
);

-- ---------------------------------------------------------------- police.uk
CREATE TABLE IF NOT EXISTS street_crime (
    load_id      INTEGER NOT NULL,
    force        VARCHAR NOT NULL,        -- the file's "Falls within", e.g. Gwent Police
    month        DATE NOT NULL,           -- first day of the month
    crime_id     VARCHAR,                 -- NULL for anti-social behaviour
    reported_by  VARCHAR,
    longitude    DOUBLE,
    latitude     DOUBLE,
    location     VARCHAR,
    lsoa_code    VARCHAR,
    lsoa_name    VARCHAR,
    crime_type   VARCHAR NOT NULL,        -- normalised to the 14 current categories
    crime_type_published VARCHAR,         -- as published (historical names kept)
    last_outcome VARCHAR,
    context      VARCHAR
);
CREATE TABLE IF NOT EXISTS outcome (
    load_id      INTEGER NOT NULL,
    force        VARCHAR NOT NULL,
    month        DATE NOT NULL,
    crime_id     VARCHAR NOT NULL,
    reported_by  VARCHAR,
    longitude    DOUBLE,
    latitude     DOUBLE,
    location     VARCHAR,
    lsoa_code    VARCHAR,
    lsoa_name    VARCHAR,
    outcome_type VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS stop_search (
    load_id      INTEGER NOT NULL,
    force        VARCHAR NOT NULL,
    month        DATE NOT NULL,
    searched_at  TIMESTAMP,
    search_type  VARCHAR,
    part_of_operation BOOLEAN,
    policing_operation VARCHAR,
    latitude     DOUBLE,
    longitude    DOUBLE,
    gender       VARCHAR,
    age_range    VARCHAR,
    self_defined_ethnicity VARCHAR,
    officer_defined_ethnicity VARCHAR,
    legislation  VARCHAR,
    object_of_search VARCHAR,
    outcome      VARCHAR,
    outcome_linked_to_object BOOLEAN,
    removal_of_more_than_outer_clothing BOOLEAN
);
-- which force-months each source has published (a month with a file of 0 rows is still "published")
CREATE TABLE IF NOT EXISTS published_month (
    source   VARCHAR NOT NULL,            -- street, outcomes, stop_search
    force    VARCHAR NOT NULL,
    month    DATE NOT NULL,
    load_id  INTEGER NOT NULL,
    rows     BIGINT NOT NULL,
    PRIMARY KEY (source, force, month)
);

-- ---------------------------------------------------------------- geography
CREATE TABLE IF NOT EXISTS local_authority (
    la_code VARCHAR PRIMARY KEY,
    la_name VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ward (
    ward_code VARCHAR PRIMARY KEY,
    ward_name VARCHAR NOT NULL,
    la_code   VARCHAR
);
CREATE TABLE IF NOT EXISTS lsoa (
    lsoa_code  VARCHAR PRIMARY KEY,
    lsoa_name  VARCHAR,
    vintage    INTEGER,                   -- 2011 or 2021
    ward_code  VARCHAR,
    msoa_code  VARCHAR,
    la_code    VARCHAR,
    latitude   DOUBLE,
    longitude  DOUBLE
);
-- a Community Safety Partnership: usually one local authority, sometimes several
CREATE TABLE IF NOT EXISTS partnership (
    partnership_code VARCHAR PRIMARY KEY,
    partnership_name VARCHAR NOT NULL,
    force            VARCHAR,              -- the police force the partnership sits in
    display_name     VARCHAR               -- e.g. Newport Community Safety Partnership
);
CREATE TABLE IF NOT EXISTS partnership_la (
    partnership_code VARCHAR NOT NULL,
    la_code          VARCHAR NOT NULL,
    PRIMARY KEY (partnership_code, la_code)
);
-- where each partnership came from: 'shipped' (the national geography in data/geography) or 'declared' (a
-- partnerships CSV); a declared partnership covering every council of shipped ones takes their place
ALTER TABLE partnership ADD COLUMN IF NOT EXISTS source VARCHAR;
-- the shipped national geography (data/geography; ONS, MHCLG, Welsh Government, OGL v3.0): what was installed
CREATE TABLE IF NOT EXISTS geography_release (
    name         VARCHAR PRIMARY KEY,     -- national
    detail       VARCHAR NOT NULL,
    installed_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
-- per 2021 LSOA: country, local authority (LAD 2024), partnership (CSP 2024), police force area (PFA 2024),
-- deprivation and rural-urban class. deprivation_decile: 1 = most deprived 10% of the LSOA's own country
-- (IMD 2025 decile in England; WIMD 2025 rank grouped in tenths in Wales); not comparable across the border.
CREATE TABLE IF NOT EXISTS lsoa_profile (
    lsoa_code     VARCHAR PRIMARY KEY,
    country       VARCHAR NOT NULL,       -- England, Wales
    lad_code      VARCHAR NOT NULL,
    lad_name      VARCHAR NOT NULL,
    csp_code      VARCHAR NOT NULL,
    pfa_code      VARCHAR NOT NULL,
    deprivation_decile INTEGER,
    imd25_decile  INTEGER,
    imd25_rank    INTEGER,
    imd25_score   DOUBLE,
    wimd25_rank   INTEGER,
    wimd25_decile INTEGER,
    ruc21_code    VARCHAR,                -- e.g. UN1, RSF1
    ruc21_name    VARCHAR,                -- e.g. Urban: Nearer to a major town or city
    urban_rural   VARCHAR                 -- Urban, Rural
);
-- ONS LSOA (2011) to LSOA (2021) exact-fit lookup. change_code U unchanged, M merged, S split, X irregular.
-- placed: the one 2021 LSOA in which records published under the 2011 code are counted (for S and X the piece
-- with the most Census 2021 residents; police.uk gives no finer placement)
CREATE TABLE IF NOT EXISTS lsoa_lookup_2011 (
    lsoa11_code VARCHAR NOT NULL,
    lsoa11_name VARCHAR,
    change_code VARCHAR NOT NULL,
    lsoa21_code VARCHAR NOT NULL,
    placed      BOOLEAN NOT NULL,
    PRIMARY KEY (lsoa11_code, lsoa21_code)
);
-- police.uk force names ("Falls within") matched to police force areas (data/geography/police_forces.csv)
CREATE TABLE IF NOT EXISTS police_force (
    force     VARCHAR PRIMARY KEY,        -- e.g. Metropolitan Police Service
    file_slug VARCHAR NOT NULL,           -- e.g. metropolitan (2024-01-metropolitan-street.csv)
    pfa_code  VARCHAR NOT NULL,           -- e.g. E23000001
    pfa_name  VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS population (
    area_code  VARCHAR NOT NULL,
    area_type  VARCHAR NOT NULL,          -- lsoa
    residents  BIGINT,
    households BIGINT,
    source     VARCHAR NOT NULL,
    year       INTEGER NOT NULL,
    PRIMARY KEY (area_code, area_type, year)
);
CREATE TABLE IF NOT EXISTS boundary (
    area_code VARCHAR NOT NULL,
    area_type VARCHAR NOT NULL,           -- lsoa, msoa, ward
    area_name VARCHAR,
    la_code   VARCHAR,
    geometry  VARCHAR NOT NULL,           -- GeoJSON geometry (WGS84)
    PRIMARY KEY (area_code, area_type)
);

-- ---------------------------------------------------------------- action plan and partners
CREATE TABLE IF NOT EXISTS partner (
    partner_code VARCHAR PRIMARY KEY,     -- short id, e.g. GWENT_POLICE
    partner_name VARCHAR NOT NULL,
    partner_type VARCHAR                  -- local authority, police, fire and rescue, health, probation, PCC, voluntary, other
);
CREATE TABLE IF NOT EXISTS priority (
    priority_id      VARCHAR PRIMARY KEY, -- e.g. NWP-P1
    partnership_code VARCHAR NOT NULL,
    title            VARCHAR NOT NULL,
    description      VARCHAR,
    lead_partner     VARCHAR NOT NULL,
    crime_types      VARCHAR,             -- ';'-separated police.uk crime types the priority names
    plan_name        VARCHAR,
    is_sample        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS action (
    action_id          VARCHAR PRIMARY KEY,
    priority_id        VARCHAR NOT NULL,
    title              VARCHAR NOT NULL,
    owner_partner      VARCHAR NOT NULL,
    supporting_partners VARCHAR,          -- ';'-separated partner codes
    start_date         DATE,
    due_date           DATE,
    milestone          VARCHAR,
    status             VARCHAR NOT NULL,  -- Red, Amber, Green, Not started, Complete
    pct_complete       INTEGER,
    commentary         VARCHAR,
    updated_at         TIMESTAMP,
    updated_by         VARCHAR
);
-- append-only: every status update, from the workbook or the app
CREATE TABLE IF NOT EXISTS progress_update (
    action_id    VARCHAR NOT NULL,
    update_date  DATE NOT NULL,
    status       VARCHAR NOT NULL,
    pct_complete INTEGER,
    commentary   VARCHAR,
    updated_by   VARCHAR,
    recorded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    source       VARCHAR                  -- workbook or app
);
CREATE TABLE IF NOT EXISTS indicator (
    indicator_id     VARCHAR PRIMARY KEY,
    name             VARCHAR NOT NULL,
    unit             VARCHAR,
    higher_is_better BOOLEAN,
    source_partner   VARCHAR,
    priority_id      VARCHAR,
    description      VARCHAR
);
CREATE TABLE IF NOT EXISTS indicator_value (
    indicator_id VARCHAR NOT NULL,
    area_code    VARCHAR NOT NULL,
    period       DATE NOT NULL,           -- first day of the period
    value        DOUBLE NOT NULL,
    baseline     DOUBLE,
    target       DOUBLE,
    load_id      INTEGER,
    PRIMARY KEY (indicator_id, area_code, period)
);
CREATE TABLE IF NOT EXISTS partner_contribution (
    partnership_code VARCHAR NOT NULL,
    partner_code     VARCHAR NOT NULL,
    priority_id      VARCHAR,
    kind             VARCHAR NOT NULL,    -- funding, staff, in-kind, data
    description      VARCHAR,
    amount_gbp       DOUBLE,
    fte              DOUBLE,
    period           VARCHAR
);
CREATE TABLE IF NOT EXISTS plan_event (
    event_id         VARCHAR PRIMARY KEY,
    partnership_code VARCHAR NOT NULL,
    priority_id      VARCHAR,
    title            VARCHAR NOT NULL,
    start_date       DATE NOT NULL,
    end_date         DATE,
    kind             VARCHAR              -- campaign, intervention, operation
);
CREATE TABLE IF NOT EXISTS meeting (
    meeting_id       VARCHAR PRIMARY KEY,
    partnership_code VARCHAR NOT NULL,
    committee        VARCHAR NOT NULL,
    meeting_date     DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS recommendation (
    reference        VARCHAR PRIMARY KEY,
    meeting_id       VARCHAR,
    partnership_code VARCHAR NOT NULL,
    recommendation   VARCHAR NOT NULL,
    lead_partner     VARCHAR,
    response         VARCHAR,
    due_date         DATE,
    status           VARCHAR NOT NULL     -- achieved, on track, slipped, not achieved
);
CREATE TABLE IF NOT EXISTS community_trigger (
    case_id          VARCHAR PRIMARY KEY,
    partnership_code VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,    -- Community Trigger, CCfA
    received_date    DATE NOT NULL,
    threshold_met    BOOLEAN,
    outcome          VARCHAR,
    resolved_date    DATE
);
CREATE TABLE IF NOT EXISTS meeting_question (
    question_id  VARCHAR PRIMARY KEY,
    meeting_id   VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    question     VARCHAR NOT NULL,
    evidence     VARCHAR,
    partner      VARCHAR,
    framing      VARCHAR,
    edited_by    VARCHAR
);
CREATE TABLE IF NOT EXISTS partnership_health (
    partnership_code VARCHAR NOT NULL,
    item             VARCHAR NOT NULL,    -- minimum standard or hallmark
    kind             VARCHAR NOT NULL,    -- standard, hallmark
    status           VARCHAR,
    evidence         VARCHAR,
    assessed_on      DATE,
    PRIMARY KEY (partnership_code, item)
);

-- added after the first release: a named lead officer (who is accountable) and a grant's end date
ALTER TABLE priority ADD COLUMN IF NOT EXISTS lead_officer VARCHAR;
ALTER TABLE action ADD COLUMN IF NOT EXISTS lead_officer VARCHAR;
ALTER TABLE partner_contribution ADD COLUMN IF NOT EXISTS grant_end DATE;

-- ---------------------------------------------------------------- pre-aggregates (rebuilt after each load)
CREATE TABLE IF NOT EXISTS agg_crime_month_lsoa (
    force      VARCHAR NOT NULL,
    month      DATE NOT NULL,
    lsoa_code  VARCHAR,                   -- NULL: no location; 2011 codes mapped to 2021 (see aggregates.py)
    la_code    VARCHAR,                   -- resolved via lsoa table or LSOA-name prefix; NULL outside known areas
    crime_type VARCHAR NOT NULL,
    crimes     BIGINT NOT NULL
);
-- each crime under its latest outcome, per LSOA (the hot spot drill-down); agg_outcome_month_la sums it per council
CREATE TABLE IF NOT EXISTS agg_outcome_month_lsoa (
    force         VARCHAR NOT NULL,
    crime_month   DATE NOT NULL,          -- month the crime was recorded
    lsoa_code     VARCHAR,                -- NULL: no location
    la_code       VARCHAR,
    crime_type    VARCHAR NOT NULL,
    outcome_group VARCHAR NOT NULL,
    crimes        BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS agg_outcome_month_la (
    force         VARCHAR NOT NULL,
    crime_month   DATE NOT NULL,          -- month the crime was recorded
    la_code       VARCHAR,
    crime_type    VARCHAR NOT NULL,
    outcome_group VARCHAR NOT NULL,
    crimes        BIGINT NOT NULL
);
