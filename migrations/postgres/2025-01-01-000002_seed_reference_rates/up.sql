-- The Finnish reference rate of the Interest Act (633/1982, section 12) per half-year, in percent.
-- Source: Bank of Finland, reference rate table (viitekorko). The rate for a half-year is the
-- ECB main refinancing rate before the half-year starts, rounded up to the next half percent.
-- Later half-years are added as data, without a release.
INSERT INTO reference_rates (year, half, rate) VALUES
    (2019, 1, '0.00'), (2019, 2, '0.00'),
    (2020, 1, '0.00'), (2020, 2, '0.00'),
    (2021, 1, '0.00'), (2021, 2, '0.00'),
    (2022, 1, '0.00'), (2022, 2, '0.00'),
    (2023, 1, '2.50'), (2023, 2, '4.00'),
    (2024, 1, '4.50'), (2024, 2, '4.50'),
    (2025, 1, '3.50'),
    -- NOTE: 2025 H2 is not yet checked against the Bank of Finland's announcement.
    (2025, 2, '2.50'),
    (2026, 1, '2.50');
