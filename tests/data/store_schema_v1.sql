-- The accelbench store schema at version 1 (before the v2 migration), kept to test `migrate`.
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    started_at VARCHAR,
    finished_at VARCHAR,
    command VARCHAR,
    status VARCHAR,
    environment JSON
);
CREATE TABLE IF NOT EXISTS measurements (
    measurement_id VARCHAR PRIMARY KEY,
    run_id VARCHAR,
    created_at VARCHAR,
    workload VARCHAR,
    kind VARCHAR,
    params_hash VARCHAR,
    backend VARCHAR,
    family VARCHAR,
    batch INTEGER,
    scenario VARCHAR,
    status VARCHAR,
    valid BOOLEAN,
    invalid_reason VARCHAR,
    latency_p50_s DOUBLE,
    latency_p90_s DOUBLE,
    latency_p99_s DOUBLE,
    latency_mean_s DOUBLE,
    latency_min_s DOUBLE,
    end_to_end_p50_s DOUBLE,
    throughput_items_s DOUBLE,
    achieved_flops_s DOUBLE,
    achieved_bytes_s DOUBLE,
    power_w DOUBLE,
    energy_j_per_item DOUBLE,
    error_rel DOUBLE,
    latency_provenance VARCHAR,
    sweep_id VARCHAR,
    task_key VARCHAR,
    schema_version INTEGER,
    record JSON
);
