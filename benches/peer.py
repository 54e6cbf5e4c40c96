#!/usr/bin/env python3
"""Prudentia's `compute` side by side with a Python peer, rwa-calc 0.3.34 (Polars).

Reported, never asserted: it prints a plain-text table for the closing note.

For each book size N (10k, 100k, 1M lines by default):
  1. `prudentia sample --lines N --seed 1` writes our synthetic bank data set;
  2. a converter, run with the peer venv's Python (it uses Polars), turns THE
     SAME exposure lines into rwa-calc's input tables (parquet files);
  3. each side runs REPEAT times as a whole child process, interleaved: wall
     time and peak RSS of that child are measured; the peer's driver also
     reports the time of the calculation alone (CreditRiskCalc.calculate(),
     i.e. load the parquet files + the SA pipeline + its result write, without
     interpreter start-up and imports);
  4. medians, peak memory and the peer/prudentia ratios are printed, with each
     side's total credit RWA (and, for the smallest book, RWA by our class) so
     a reader sees that the two books are comparable.

Standard library only here; Polars and rwa-calc live in the peer venv
(~/.cache/prudentia-tools/peer-venv, made on first use from PyPI). Everything
stays on this machine; every run has a timeout; the temporary files are
removed at the end.

Settings (argument, else environment, else default):
  --sizes   PRUDENTIA_PEER_SIZES    10000,100000,1000000
  --repeat  PRUDENTIA_PEER_REPEAT   5
  --timeout PRUDENTIA_PEER_TIMEOUT  600 (seconds, per run)
  --profile PRUDENTIA_PEER_PROFILE  basel31 (peer framework BASEL_3_1) or crr3 (CRR)
  --bin     PRUDENTIA_BIN           the release binary
  --venv    PRUDENTIA_PEER_VENV     ~/.cache/prudentia-tools/peer-venv

The mapping of our lines onto rwa-calc's tables is described on CONVERTER below.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEER_VERSION = "0.3.34"
# rwa-calc imports `watchfire` (its citation decorator) at run time, but 0.3.34
# declares it only under the `dev`/`all` extras: it is installed explicitly.
PEER_PACKAGES = [f"rwa-calc=={PEER_VERSION}", "watchfire==0.3.1"]
FRAMEWORKS = {"basel31": "BASEL_3_1", "crr3": "CRR"}


def default_binary():
    for candidate in (os.environ.get("PRUDENTIA_BIN"),
                      os.path.expanduser("~/.cache/prudentia-target/release/prudentia"),
                      str(ROOT / "target" / "release" / "prudentia")):
        if candidate and os.path.isfile(candidate):
            return candidate
    return str(ROOT / "target" / "release" / "prudentia")


# ---------------------------------------------------------------------------
# Helper scripts, written to the temporary directory and run with the peer
# venv's Python.
# ---------------------------------------------------------------------------

PROBE = r"""
import sys
import rwa_calc
from rwa_calc.api import CreditRiskCalc  # the whole SA pipeline imports from here
assert rwa_calc.__version__ == sys.argv[1], rwa_calc.__version__
print(sys.version.split()[0])
"""

# rwa-calc 0.3.34 says Requires-Python >=3.13 and is written for it: 19 of its
# modules use PEP 695 syntax (`type X = ...` aliases, `def f[T](...)`,
# `class C[T]:`, a PEP 696 default `class C[V = Decimal]:`), which Python 3.11
# cannot even parse, so `import rwa_calc` works but `import rwa_calc.api`
# fails with a SyntaxError. Nothing else in the package needs more than 3.11
# (no 3.12+ library call is reached by the SA pipeline). Where the venv's Python
# is older than 3.12, this rewrites ONLY the modules that fail to compile, to
# the same meaning in 3.11 syntax: every one of those modules has
# `from __future__ import annotations`, and the type parameters appear only in
# annotations and `cast("T", ...)` strings, so
#   - `def f[T: B](...)`  -> `def f(...)`;
#   - `class C[T]:`       -> `class C(typing.Generic[typing.TypeVar("T")]):`;
#   - `type X = V`        -> `X = V`, kept as the string "V" when V names
#     something that exists only under TYPE_CHECKING (a 3.12 alias is lazy).
# Idempotent: a module that compiles is left alone.
BACKPORT = r'''
import ast, pathlib, re, sys

TYPE_ALIAS = re.compile(r"^([ \t]*)type\s+([A-Za-z_]\w*)\s*=", re.M)
GENERIC = re.compile(r"^([ \t]*)(def|class)\s+([A-Za-z_]\w*)\[((?:[^\[\]()]|\([^()]*\))*)\]", re.M)


def type_params(text):
    names, depth, current = [], 0, ""
    for ch in text + ",":
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == "," and depth == 0:
            m = re.match(r"\s*\**([A-Za-z_]\w*)", current)
            if m:
                names.append(m.group(1))
            current = ""
        else:
            current += ch
    return names


def backport(src):
    aliases = {}

    def alias(m):
        aliases[src.count("\n", 0, m.start()) + 1] = m.group(2)
        return f"{m.group(1)}{m.group(2)} ="

    out = TYPE_ALIAS.sub(alias, src)

    def generic(m):
        indent, keyword, name, params = m.groups()
        if keyword == "def":
            return f"{indent}def {name}"
        tvars = ", ".join(f'__import__("typing").TypeVar("{p}")' for p in type_params(params))
        return f'{indent}class {name}(__import__("typing").Generic[{tvars}])'

    out = GENERIC.sub(generic, out)
    out = out.replace("])])(", "]), ")  # a generic class that also lists bases
    if not aliases:
        return out
    lines = out.split("\n")
    nodes = [n for n in ast.walk(ast.parse(out)) if isinstance(n, ast.Assign)
             and n.lineno in aliases and aliases[n.lineno] == getattr(n.targets[0], "id", None)]
    for node in sorted(nodes, key=lambda n: -n.lineno):
        indent = re.match(r"\s*", lines[node.lineno - 1]).group(0)
        name = node.targets[0].id
        value = " ".join(ast.get_source_segment(out, node.value).split())
        lines[node.lineno - 1:node.end_lineno] = [
            f"{indent}try:", f"{indent}    {name} = {value}",
            f"{indent}except NameError:  # names imported under TYPE_CHECKING only",
            f"{indent}    {name} = {value!r}"]
    return "\n".join(lines)


root = pathlib.Path(sys.argv[1])
changed = 0
for path in sorted(root.rglob("*.py")):
    src = path.read_text(encoding="utf-8")
    try:
        compile(src, str(path), "exec")
        continue
    except SyntaxError:
        pass
    fixed = backport(src)
    compile(fixed, str(path), "exec")  # raises if the rewrite is not enough
    path.write_text(fixed, encoding="utf-8")
    changed += 1
print(f"backported {changed} module(s) of {root} to Python {sys.version.split()[0]} syntax")
'''

# CONVERTER: our data set (JSON) -> rwa-calc input tables (parquet), same lines.
#
# rwa-calc is an exposure-hierarchy engine: the exposure class comes from the
# counterparty's `entity_type` (plus flags), ratings sit on the counterparty,
# drawn amounts are loans, undrawn amounts are facility limits, and collateral,
# guarantees and provisions are rows linked to a loan or facility. Mapped:
#   - class -> entity_type: sovereign -> sovereign; pse -> pse_institution;
#     mdb -> mdb (mdb_qualifying -> mdb_named, 0 %); bank -> institution;
#     covered_bond -> covered_bond; corporate -> corporate; specialised_lending
#     -> specialised_lending + a specialised_lending row (object_finance,
#     commodities_finance, project_finance with project_phase pre_operational /
#     operational / high_quality_operational); retail -> individual (an `sme`
#     counterparty_type -> corporate managed as retail); real_estate -> the
#     counterparty's own type (individual / corporate / SME) plus a property
#     collateral row; other_assets -> other_cash / other_gold /
#     other_items_in_collection / other_tangible; equity, equity_speculative
#     and subordinated_debt -> equity_exposures rows (equity_type listed,
#     speculative, subordinated_debt).
#   - rating (S&P/Fitch or Moody's notch) or cqs -> an external ratings row with
#     the CQS of ratios.md §3.2; scra_grade A+/A/B/C -> A_ENHANCED/A/B/C;
#     covered bonds: issuer_rating -> the issuer's institution_cqs,
#     issuer_scra_grade -> scra_grade.
#   - sme -> annual_revenue 10 m (under the SME size test; otherwise unknown);
#     investment_grade -> is_investment_grade; retail_type regulatory /
#     transactor -> is_managed_as_retail (transactor: a revolving facility with
#     is_qrre_transactor), retail_type other -> not managed as retail (100 %).
#   - drawn -> loan drawn_amount; undrawn -> a facility (limit = drawn + undrawn)
#     over the loan, off_balance_type -> risk_type: direct_credit_substitute FR,
#     transaction_contingent MR, nif_ruf MR, trade_lc MLR, commitment OC,
#     unconditionally_cancellable LR.
#   - short_term (banks) -> original maturity of 60 days (value/maturity dates);
#     defaulted -> loan is_defaulted; specific_provisions -> a provision row
#     (scra, stage 3); currency_mismatch -> borrower_income_currency USD against
#     EUR lending.
#   - real estate: re_type -> property_type residential (rre, rre_ip,
#     adc_qualifying) / commercial (cre, cre_ip, adc), is_income_producing (the
#     _ip types), is_adc + is_presold (adc_qualifying); ltv, else
#     (drawn + undrawn) / property_value, else 10 (the top band) -> property_ltv;
#     re_criteria_met -> is_qualifying_re.
#   - financial collateral: cash, gold, sovereign_debt (government_bond, issuer
#     CQS 1), main_index_equity / other_listed_equity (equity, listed, main index
#     or not), with value, currency (fx rate 1, so only the 8 % FX haircut
#     differs) and residual maturity; guarantees: a guarantor counterparty per
#     (guarantor_class, guarantor_rating), amount_covered = guaranteed_amount.
#   - counterparty_id: lines of one counterparty_id share a peer counterparty
#     when they agree on every counterparty-level attribute above (in our data
#     these are per line), else they get one peer counterparty each.
#   - every counterparty is_equivalent_jurisdiction (rwa-calc is a UK engine:
#     without it a non-UK PSE is 100 %, CRR Art. 116(5)).
# Not mapped (no clean equivalent, or not needed by an SA credit-RWA run):
#   group_id / guarantor_group_id (large exposures), op-risk, market risk, CVA,
#   leverage, LCR/NSFR, capital and ratios (rwa-calc computes credit RWA only),
#   the descriptive fields. Inputs rwa-calc 0.3.34 accepts but does not use:
#   the specialised_lending project_phase (not carried to the SA stage, so
#   project finance is 100 % in every phase) and the collateral is_presold (so
#   qualifying residential ADC is 150 %, not 100 %). The investment-grade
#   corporate 65 % is a firm-wide election in rwa-calc (it also moves unrated
#   non-IG corporates to 135 %) that CreditRiskCalc does not expose: off.
# Rules that differ by design (rwa-calc follows the UK PRA PS1/26 text): EU
#   sovereigns in their domestic currency are 0 % (Art. 114(4)); residential
#   and commercial real estate use loan splitting (Art. 124F/124H, 20 % / 60 %
#   up to 55 % of the property value), income-producing residential real estate
#   of a company stays in its corporate class, CCFs follow PRA Table A1, and
#   thresholds are in GBP. The RWA totals are therefore close, not equal; the
#   by-class table printed for the smallest book shows where they part.
CONVERTER = r'''
import json, sys, time
from datetime import date, timedelta
from pathlib import Path
import polars as pl

src, out = Path(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
book = json.loads(src.read_bytes())
rd = date.fromisoformat(book.get("reporting_date") or "2025-12-31")
ccy = book.get("currency") or "EUR"
lines = book["exposures"]
del book

STR = ["id", "class", "counterparty_id", "counterparty_name", "counterparty_type", "rating",
       "scra_grade", "issuer_rating", "issuer_scra_grade", "sl_type", "retail_type", "other_type",
       "re_type", "country", "sector", "off_balance_type", "collateral_type",
       "collateral_currency", "guarantor_class", "guarantor_rating", "currency"]
F64 = ["drawn", "undrawn", "ltv", "property_value", "specific_provisions", "collateral_value",
       "collateral_residual_maturity_years", "guaranteed_amount", "cqs"]
BOOL = ["short_term", "sme", "investment_grade", "mdb_qualifying", "re_criteria_met",
        "defaulted", "currency_mismatch"]
cols = {}
for c in STR:
    cols[c] = pl.Series(c, [e.get(c) for e in lines], dtype=pl.String)
for c in F64:
    cols[c] = pl.Series(c, [e.get(c) for e in lines], dtype=pl.Float64)
for c in BOOL:
    cols[c] = pl.Series(c, [e.get(c) for e in lines], dtype=pl.Boolean)
del lines
df = pl.DataFrame(cols)
del cols

# ratios.md §3.2: notch -> CQS (S&P/Fitch and Moody's; a string is always a notch)
CQS = {}
for cqs, notches in {1: "AAA AA+ AA AA- Aaa Aa1 Aa2 Aa3", 2: "A+ A A- A1 A2 A3",
                     3: "BBB+ BBB BBB- Baa1 Baa2 Baa3", 4: "BB+ BB BB- Ba1 Ba2 Ba3",
                     5: "B+ B B- B1 B2 B3",
                     6: "CCC+ CCC CCC- CC C D SD RD Caa1 Caa2 Caa3 Ca"}.items():
    for n in notches.split():
        CQS[n.upper()] = cqs


def cqs_of(col):
    return pl.col(col).str.to_uppercase().replace_strict(CQS, default=None, return_dtype=pl.Int8)


SCRA = {"A+": "A_ENHANCED", "A": "A", "B": "B", "C": "C"}
RISK_TYPE = {"direct_credit_substitute": "FR", "transaction_contingent": "MR", "nif_ruf": "MR",
             "trade_lc": "MLR", "commitment": "OC", "unconditionally_cancellable": "LR"}
OTHER = {"cash": "other_cash", "gold": "other_gold", "cash_in_collection": "other_items_in_collection"}
SL = {"object": ("object_finance", None), "commodities": ("commodities_finance", None),
      "project_pre_operational": ("project_finance", "pre_operational"),
      "project_operational": ("project_finance", "operational"),
      "project_high_quality": ("project_finance", "high_quality_operational")}
cls, cpt = pl.col("class"), pl.col("counterparty_type")
undrawn = pl.col("undrawn").fill_null(0.0)
drawn = pl.col("drawn").fill_null(0.0)

df = df.with_columns(
    line_cqs=pl.coalesce(cqs_of("rating"), pl.col("cqs").cast(pl.Int8)),
    is_equity=cls.is_in(["equity", "equity_speculative", "subordinated_debt"]),
    has_facility=(undrawn > 0) | (pl.col("retail_type") == "transactor"),
    entity_type=pl.when(cls == "sovereign").then(pl.lit("sovereign"))
    .when(cls == "pse").then(pl.lit("pse_institution"))
    .when(cls == "mdb").then(pl.when(pl.col("mdb_qualifying").fill_null(False))
                             .then(pl.lit("mdb_named")).otherwise(pl.lit("mdb")))
    .when(cls == "bank").then(pl.lit("institution"))
    .when(cls == "covered_bond").then(pl.lit("covered_bond"))
    .when(cls == "specialised_lending").then(pl.lit("specialised_lending"))
    .when(cls == "other_assets").then(
        pl.col("other_type").replace_strict(OTHER, default="other_tangible", return_dtype=pl.String))
    .when(cls.is_in(["retail", "real_estate"]) & (cpt.fill_null("individual") == "individual"))
    .then(pl.lit("individual"))
    .otherwise(pl.lit("corporate")),
    sme_cp=(pl.col("sme").fill_null(False)
            | (cls.is_in(["retail", "real_estate"]) & (cpt == "sme"))),
    managed_as_retail=cls.eq("retail") & pl.col("retail_type").is_in(["regulatory", "transactor"]),
    scra=pl.col("scra_grade").replace_strict(SCRA, default=None, return_dtype=pl.String),
    issuer_cqs=cqs_of("issuer_rating"),
    issuer_scra=pl.col("issuer_scra_grade").replace_strict(SCRA, default=None, return_dtype=pl.String),
    sl_kind=pl.col("sl_type").replace_strict({k: v[0] for k, v in SL.items()}, default=None,
                                              return_dtype=pl.String),
    sl_phase=pl.col("sl_type").replace_strict({k: v[1] for k, v in SL.items()}, default=None,
                                               return_dtype=pl.String),
)
df = df.with_columns(
    cp_scra=pl.when(cls == "covered_bond").then(pl.col("issuer_scra")).otherwise(pl.col("scra")),
    cp_inst_cqs=pl.when(cls == "covered_bond").then(pl.col("issuer_cqs")),
    income_ccy=pl.when(pl.col("currency_mismatch").fill_null(False)).then(pl.lit("USD"))
    .otherwise(pl.lit(ccy)),
)
key_cols = ["entity_type", "line_cqs", "rating", "cp_scra", "cp_inst_cqs", "sme_cp",
            "investment_grade", "managed_as_retail", "income_ccy", "sl_kind", "sl_phase",
            "country", "sector"]
df = df.with_columns(
    cp_ref=pl.concat_str([pl.coalesce("counterparty_id", "id")]
                         + [pl.col(c).cast(pl.String).fill_null("") for c in key_cols], separator="~"),
)

cps = df.group_by("cp_ref", maintain_order=True).first()
counterparties = cps.select(
    counterparty_reference="cp_ref",
    counterparty_name=pl.coalesce("counterparty_name", "counterparty_id"),
    entity_type="entity_type",
    country_code="country",
    sector_code="sector",
    annual_revenue=pl.when(pl.col("sme_cp")).then(pl.lit(10_000_000.0)),
    is_natural_person=pl.col("entity_type") == "individual",
    is_managed_as_retail=pl.col("managed_as_retail"),
    is_investment_grade=pl.col("investment_grade").fill_null(False),
    scra_grade="cp_scra",
    institution_cqs="cp_inst_cqs",
    borrower_income_currency="income_ccy",
    default_status=pl.lit(False),
    is_equivalent_jurisdiction=pl.lit(True),
)
ratings = cps.filter(pl.col("line_cqs").is_not_null()).select(
    rating_reference=pl.lit("R~") + pl.col("cp_ref"),
    counterparty_reference="cp_ref",
    rating_type=pl.lit("external"),
    rating_agency=pl.lit("S&P"),
    rating_value="rating",
    cqs="line_cqs",
    rating_date=pl.lit(rd - timedelta(days=30)),
    is_solicited=pl.lit(True),
)
specialised = cps.filter(pl.col("sl_kind").is_not_null()).select(
    counterparty_reference="cp_ref", sl_type="sl_kind", project_phase="sl_phase")

# guarantors: one counterparty per (class, rating)
gdf = df.filter(pl.col("guarantor_class").is_not_null() & (pl.col("guaranteed_amount") > 0))
gdf = gdf.with_columns(
    g_ref=pl.lit("GTR~") + pl.col("guarantor_class") + "~" + pl.col("guarantor_rating").fill_null(""),
    g_cqs=cqs_of("guarantor_rating"),
)
g_cps = gdf.group_by("g_ref", maintain_order=True).first()
counterparties = pl.concat([counterparties, g_cps.select(
    counterparty_reference="g_ref",
    counterparty_name="g_ref",
    entity_type=pl.col("guarantor_class").replace_strict(
        {"bank": "institution", "pse": "pse_institution", "mdb": "mdb"},
        default=pl.col("guarantor_class"), return_dtype=pl.String),
    country_code=pl.lit(None, pl.String), sector_code=pl.lit(None, pl.String),
    annual_revenue=pl.lit(None, pl.Float64), is_natural_person=pl.lit(False),
    is_managed_as_retail=pl.lit(False), is_investment_grade=pl.lit(False),
    scra_grade=pl.when((pl.col("guarantor_class") == "bank") & pl.col("g_cqs").is_null())
    .then(pl.lit("C")),
    institution_cqs=pl.lit(None, pl.Int8), borrower_income_currency=pl.lit(None, pl.String),
    default_status=pl.lit(False), is_equivalent_jurisdiction=pl.lit(True))], how="vertical_relaxed")
ratings = pl.concat([ratings, g_cps.filter(pl.col("g_cqs").is_not_null()).select(
    rating_reference=pl.lit("R~") + pl.col("g_ref"), counterparty_reference="g_ref",
    rating_type=pl.lit("external"), rating_agency=pl.lit("S&P"), rating_value="guarantor_rating",
    cqs="g_cqs", rating_date=pl.lit(rd - timedelta(days=30)), is_solicited=pl.lit(True))])

credit = df.filter(~pl.col("is_equity"))
short = pl.col("short_term").fill_null(False)
value_date = pl.when(short).then(pl.lit(rd - timedelta(days=20))).otherwise(pl.lit(rd - timedelta(days=365)))
maturity = pl.when(short).then(pl.lit(rd + timedelta(days=40))).otherwise(pl.lit(rd + timedelta(days=4 * 365)))
loans = credit.select(
    loan_reference="id", counterparty_reference="cp_ref",
    product_type=pl.col("class"), currency=pl.lit(ccy),
    value_date=value_date, maturity_date=maturity,
    drawn_amount=drawn, seniority=pl.lit("senior"),
    is_defaulted=pl.col("defaulted").fill_null(False),
    is_under_construction=pl.col("re_type").is_in(["adc", "adc_qualifying"]).fill_null(False),
)
fac = credit.filter(pl.col("has_facility"))
facilities = fac.select(
    facility_reference=pl.col("id") + "/F", counterparty_reference="cp_ref",
    product_type=pl.col("class"), currency=pl.lit(ccy),
    value_date=value_date, maturity_date=maturity,
    limit=drawn + undrawn, committed=pl.col("off_balance_type") != "unconditionally_cancellable",
    risk_type=pl.col("off_balance_type").fill_null("commitment").replace_strict(
        RISK_TYPE, default="OC", return_dtype=pl.String),
    is_revolving=pl.col("retail_type") == "transactor",
    is_qrre_transactor=pl.col("retail_type") == "transactor",
    seniority=pl.lit("senior"),
)
facility_mapping = fac.select(parent_facility_reference=pl.col("id") + "/F",
                              child_reference="id", child_type=pl.lit("loan"))
ben_type = pl.when(pl.col("has_facility")).then(pl.lit("facility")).otherwise(pl.lit("loan"))
ben_ref = pl.when(pl.col("has_facility")).then(pl.col("id") + "/F").otherwise(pl.col("id"))

re_lines = credit.filter(cls == "real_estate")
amount = drawn + undrawn
ltv = pl.coalesce(pl.col("ltv"), amount / pl.col("property_value"), pl.lit(10.0))
property_rows = re_lines.select(
    collateral_reference=pl.col("id") + "/P",
    collateral_type=pl.lit("real_estate"), currency=pl.lit(ccy),
    market_value=pl.coalesce(pl.col("property_value"), amount / pl.col("ltv")),
    property_type=pl.when(pl.col("re_type").is_in(["cre", "cre_ip", "adc"]))
    .then(pl.lit("commercial")).otherwise(pl.lit("residential")),
    property_ltv=ltv,
    is_income_producing=pl.col("re_type").is_in(["rre_ip", "cre_ip"]).fill_null(False),
    is_adc=pl.col("re_type").is_in(["adc", "adc_qualifying"]).fill_null(False),
    is_presold=(pl.col("re_type") == "adc_qualifying").fill_null(False),
    is_qualifying_re=pl.col("re_criteria_met").fill_null(True),
    valuation_type=pl.lit("independent"), valuation_date=pl.lit(rd - timedelta(days=90)),
    beneficiary_type=ben_type, beneficiary_reference=ben_ref,
)
COLL = {"cash": "cash", "gold": "gold", "sovereign_debt": "bond",
        "main_index_equity": "equity", "other_listed_equity": "equity"}
fin = credit.filter(pl.col("collateral_type").is_not_null() & (pl.col("collateral_value") > 0))
fin_rows = fin.select(
    collateral_reference=pl.col("id") + "/C",
    collateral_type=pl.col("collateral_type").replace_strict(COLL, return_dtype=pl.String),
    currency=pl.coalesce("collateral_currency", pl.lit(ccy)),
    market_value="collateral_value",
    residual_maturity_years=pl.when(pl.col("collateral_type") == "sovereign_debt")
    .then(pl.col("collateral_residual_maturity_years").fill_null(30.0)),
    issuer_type=pl.when(pl.col("collateral_type") == "sovereign_debt").then(pl.lit("sovereign")),
    issuer_cqs=pl.when(pl.col("collateral_type") == "sovereign_debt").then(pl.lit(1, pl.Int8)),
    is_eligible_financial_collateral=pl.lit(True),
    is_main_index=pl.col("collateral_type") == "main_index_equity",
    is_listed=pl.col("collateral_type").is_in(["main_index_equity", "other_listed_equity"]),
    beneficiary_type=ben_type, beneficiary_reference=ben_ref,
)
collateral = pl.concat([property_rows, fin_rows], how="diagonal_relaxed")
guarantees = gdf.filter(~pl.col("is_equity")).select(
    guarantee_reference=pl.col("id") + "/G", guarantor="g_ref",
    guarantee_type=pl.lit("guarantee"), protection_type=pl.lit("guarantee"),
    currency=pl.lit(ccy), amount_covered="guaranteed_amount",
    beneficiary_type=ben_type, beneficiary_reference=ben_ref,
)
provisions = credit.filter(pl.col("specific_provisions") > 0).select(
    provision_reference=pl.col("id") + "/S", beneficiary_type=pl.lit("loan"),
    beneficiary_reference="id", provision_type=pl.lit("scra"), ifrs9_stage=pl.lit(3, pl.Int8),
    currency=pl.lit(ccy), amount="specific_provisions", as_of_date=pl.lit(rd),
)
equity = df.filter(pl.col("is_equity")).select(
    exposure_reference="id", counterparty_reference="cp_ref",
    equity_type=pl.col("class").replace_strict(
        {"equity": "listed", "equity_speculative": "speculative",
         "subordinated_debt": "subordinated_debt"}, return_dtype=pl.String),
    currency=pl.lit(ccy), carrying_value=drawn, fair_value=drawn,
    is_speculative=cls == "equity_speculative", is_exchange_traded=cls == "equity",
)
fx = pl.DataFrame({"currency_from": ["USD", ccy], "currency_to": [ccy, ccy], "rate": [1.0, 1.0]})
lending_mapping = pl.DataFrame(schema={"parent_counterparty_reference": pl.String,
                                       "child_counterparty_reference": pl.String})
# our class of each line (defaulted lines under "defaulted", as in our by_class)
line_class = df.select("id", cls=pl.when(pl.col("defaulted").fill_null(False))
                       .then(pl.lit("defaulted")).otherwise(cls))

tables = {
    "counterparty/counterparties": counterparties, "ratings/ratings": ratings,
    "ratings/specialised_lending": specialised, "exposures/loans": loans,
    "exposures/facilities": facilities, "exposures/facility_mapping": facility_mapping,
    "collateral/collateral": collateral, "guarantee/guarantee": guarantees,
    "provision/provision": provisions, "equity/equity_exposures": equity,
    "fx_rates/fx_rates": fx, "mapping/lending_mapping": lending_mapping,
}
for name, table in tables.items():
    path = out / f"{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.write_parquet(path)
line_class.write_parquet(out.parent / (out.name + "-classes.parquet"))
print(json.dumps({"reporting_date": rd.isoformat(), "seconds": time.perf_counter() - started,
                  **{name.split("/")[-1]: t.height for name, t in tables.items()}}))
'''

# DRIVER: one peer calculation, end to end, as a process of its own.
# argv: data_dir framework reporting_date cache_dir [classes.parquet]
DRIVER = r'''
import json, sys, time
t0 = time.perf_counter()
from datetime import date
from pathlib import Path
from rwa_calc.api import CreditRiskCalc
t1 = time.perf_counter()
calc = CreditRiskCalc(data_path=sys.argv[1], framework=sys.argv[2],
                      reporting_date=date.fromisoformat(sys.argv[3]),
                      permission_mode="standardised", data_format="parquet",
                      base_currency="EUR", cache_dir=Path(sys.argv[4]), log_level="WARNING")
t2 = time.perf_counter()
response = calc.calculate()
t3 = time.perf_counter()
s = response.summary
out = {"success": response.success, "import_seconds": t1 - t0, "calc_seconds": t3 - t2,
       "total_rwa": float(s.total_rwa), "total_rwa_sa": float(s.total_rwa_sa),
       "total_ead": float(s.total_ead), "exposure_count": s.exposure_count,
       "errors": [f"{e.severity} {e.code}: {e.message}" for e in response.errors
                  if e.severity != "warning"][:5]}
if len(sys.argv) > 5:  # per-class breakdown by OUR class of each line (untimed check run)
    import polars as pl
    res = response.collect_results()
    ref = "exposure_reference"
    rwa = next(c for c in ("rwa_final", "rwa", "rwa_post_floor") if c in res.columns)
    ead = next(c for c in ("ead_final", "ead", "exposure_value") if c in res.columns)
    res = res.with_columns(id=pl.col(ref).str.extract(r"^([^/_]+)", 1))
    classes = pl.read_parquet(sys.argv[5])
    by = (res.join(classes, on="id", how="left")
          .group_by(pl.col("cls").fill_null("?"))
          .agg(pl.col(ead).sum().alias("exposure"), pl.col(rwa).sum().alias("rwa")))
    out["by_class"] = {r["cls"]: {"exposure": r["exposure"], "rwa": r["rwa"]}
                       for r in by.iter_rows(named=True)}
print(json.dumps(out))
'''


# ---------------------------------------------------------------------------
# Peer set-up
# ---------------------------------------------------------------------------

def peer_python(venv):
    return str(Path(venv) / "bin" / "python")


def probe(venv, work, timeout):
    py = peer_python(venv)
    if not os.path.exists(py):
        return None
    script = work / "probe.py"
    script.write_text(PROBE)
    r = subprocess.run([py, str(script), PEER_VERSION], capture_output=True, text=True,
                       timeout=timeout)
    return r.stdout.strip() if r.returncode == 0 else None


def setup_peer(venv, work, timeout):
    """A venv where `from rwa_calc.api import CreditRiskCalc` works; returns its Python version."""
    version = probe(venv, work, timeout)
    if version:
        return version
    py = peer_python(venv)
    if not os.path.exists(py):
        print(f"peer: creating {venv}", flush=True)
        Path(venv).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=timeout)
    # --ignore-requires-python: rwa-calc declares Requires-Python >=3.13 and this
    # machine has only Python 3.11 (no 3.13 is packaged for it); its SA pipeline
    # runs on 3.11 once its 3.12+ syntax is rewritten (BACKPORT above).
    print(f"peer: pip install --ignore-requires-python {' '.join(PEER_PACKAGES)}", flush=True)
    subprocess.run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--ignore-requires-python", *PEER_PACKAGES], check=True, timeout=timeout)
    site = subprocess.run([py, "-c", "import rwa_calc, os; print(os.path.dirname(rwa_calc.__file__))"],
                          capture_output=True, text=True, check=True, timeout=timeout).stdout.strip()
    needs_backport = subprocess.run([py, "-c", "import sys; print(sys.version_info < (3, 12))"],
                                    capture_output=True, text=True, check=True).stdout.strip()
    if needs_backport == "True":
        script = work / "backport.py"
        script.write_text(BACKPORT)
        subprocess.run([py, str(script), site], check=True, timeout=timeout)
    version = probe(venv, work, timeout)
    if not version:
        script = work / "probe.py"
        subprocess.run([py, str(script), PEER_VERSION], timeout=timeout)  # shows the error
        sys.exit("peer: rwa-calc does not import in the peer venv")
    return version


# ---------------------------------------------------------------------------
# Measured runs
# ---------------------------------------------------------------------------

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def measured(cmd, stdout_path, timeout):
    """Run cmd as a whole process: (wall seconds, peak RSS KiB, exit code); None on timeout."""
    rss_file = str(stdout_path) + ".rss"
    full = [GNU_TIME, "-f", "%M", "-o", rss_file, *cmd] if GNU_TIME else list(cmd)
    with open(stdout_path, "wb") as out, open(str(stdout_path) + ".err", "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=err, start_new_session=True)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    if timed_out.is_set():
        return None
    if GNU_TIME:
        try:
            # the last line: GNU time prefixes "Command exited with non-zero status" lines
            rss = int(Path(rss_file).read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            rss = usage.ru_maxrss
    else:
        rss = usage.ru_maxrss  # KiB on Linux; the child alone (wait4 on its pid)
    return wall, rss, proc.returncode


def fail(side, n, path):
    err = Path(str(path) + ".err").read_text(errors="replace")[-2000:]
    sys.exit(f"{side} failed on {n} lines:\n{err}")


def run_ours(binary, book, profile, work, timeout, n):
    out = work / "ours.json"
    m = measured([binary, "compute", "--input", str(book), "--profile", profile], out, timeout)
    if m is None:
        return None
    wall, rss, code = m
    if code != 0:
        fail("prudentia", n, out)
    results = json.loads(out.read_text())
    return {"wall": wall, "rss": rss, "credit_rwa": results["rwa"]["credit"],
            "by_class": results["rwa"].get("by_class", {})}


def run_peer(py, driver, data, framework, rd, work, timeout, n, classes=None):
    out = work / "peer.json"
    cache = work / "peer-cache"
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir()
    cmd = [py, str(driver), str(data), framework, rd, str(cache)]
    if classes:
        cmd.append(str(classes))
    m = measured(cmd, out, timeout)
    shutil.rmtree(cache, ignore_errors=True)
    if m is None:
        return None
    wall, rss, code = m
    if code != 0:
        fail("rwa-calc", n, out)
    result = json.loads(out.read_text().strip().splitlines()[-1])
    if not result["success"]:
        sys.exit(f"rwa-calc reported failure on {n} lines: {result['errors']}")
    return {"wall": wall, "rss": rss, **result}


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def fmt_s(x):
    return "-" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.1f}")


def fmt_mib(kib):
    return "-" if kib is None else f"{kib / 1024:.0f}"


def fmt_ratio(a, b):
    return "-" if a is None or b in (None, 0) else f"{a / b:.1f}x"


def table(headers, rows):
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).rjust(w) for h, w in zip(headers, widths)), line]
    out += ["  ".join(str(c).rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def median(values):
    return statistics.median(values) if values else None


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=env("PRUDENTIA_PEER_SIZES", "10000,100000,1000000"))
    ap.add_argument("--repeat", type=int, default=int(env("PRUDENTIA_PEER_REPEAT", "5")))
    ap.add_argument("--timeout", type=float, default=float(env("PRUDENTIA_PEER_TIMEOUT", "600")))
    ap.add_argument("--profile", choices=sorted(FRAMEWORKS),
                    default=env("PRUDENTIA_PEER_PROFILE", "basel31"))
    ap.add_argument("--bin", default=default_binary())
    ap.add_argument("--venv", default=env("PRUDENTIA_PEER_VENV",
                                          os.path.expanduser("~/.cache/prudentia-tools/peer-venv")))
    args = ap.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.replace(" ", "").split(",") if s]
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no prudentia binary at {args.bin} (build it with cargo build --release)")
    framework = FRAMEWORKS[args.profile]

    work = Path(tempfile.mkdtemp(prefix="prudentia-peer-"))
    try:
        pyver = setup_peer(args.venv, work, args.timeout)
        py = peer_python(args.venv)
        converter, driver = work / "convert.py", work / "driver.py"
        converter.write_text(CONVERTER)
        driver.write_text(DRIVER)
        print(f"prudentia: {args.bin} (profile {args.profile})")
        print(f"peer: rwa-calc {PEER_VERSION} on Python {pyver}, framework {framework}, "
              f"standardised approach, parquet input")
        print(f"repeats: {args.repeat} per side and size, interleaved; timeout {args.timeout:.0f} s per run;"
              f" peak RSS by {'GNU time %M' if GNU_TIME else 'wait4 ru_maxrss'}")
        results, warmed = [], False
        for n in sizes:
            book = work / f"book-{n}.json"
            data = work / f"peer-{n}"
            subprocess.run([args.bin, "sample", "--lines", str(n), "--seed", "1",
                            "--output", str(book)], check=True, timeout=args.timeout,
                           stdout=subprocess.DEVNULL)
            conv = json.loads(subprocess.run([py, str(converter), str(book), str(data)],
                                             capture_output=True, text=True, check=True,
                                             timeout=args.timeout).stdout.strip().splitlines()[-1])
            rd = conv["reporting_date"]
            classes = work / f"peer-{n}-classes.parquet"
            print(f"\n{n} lines: converted in {conv['seconds']:.1f} s to "
                  f"{conv['loans']} loans, {conv['facilities']} facilities, "
                  f"{conv['counterparties']} counterparties, {conv['ratings']} ratings, "
                  f"{conv['collateral']} collateral, {conv['guarantee']} guarantees, "
                  f"{conv['provision']} provisions, {conv['equity_exposures']} equity rows", flush=True)
            row = {"n": n, "ours": [], "peer": [], "timeout": []}
            if not warmed:  # untimed: page in both programs, compile the peer's .pyc files
                run_ours(args.bin, book, args.profile, work, args.timeout, n)
                check = run_peer(py, driver, data, framework, rd, work, args.timeout, n, classes)
                row["check"] = check
                warmed = True
            for i in range(args.repeat):
                for side in ("ours", "peer"):
                    if side in row["timeout"]:
                        continue
                    if side == "ours":
                        r = run_ours(args.bin, book, args.profile, work, args.timeout, n)
                    else:
                        r = run_peer(py, driver, data, framework, rd, work, args.timeout, n)
                    if r is None:
                        row["timeout"].append(side)
                        print(f"  {side} run {i + 1}: timed out after {args.timeout:.0f} s", flush=True)
                        continue
                    row[side].append(r)
                    extra = f", calc {r['calc_seconds']:.2f} s" if side == "peer" else ""
                    print(f"  {side:4} run {i + 1}: {r['wall']:.2f} s{extra}, {r['rss'] / 1024:.0f} MiB",
                          flush=True)
            results.append(row)
            book.unlink(missing_ok=True)
            shutil.rmtree(data, ignore_errors=True)

        rows, sanity = [], []
        for row in results:
            o, p = row["ours"], row["peer"]
            ow = median([r["wall"] for r in o])
            pw = median([r["wall"] for r in p])
            pc = median([r["calc_seconds"] for r in p])
            om = max((r["rss"] for r in o), default=None)
            pm = max((r["rss"] for r in p), default=None)
            to = "" if not row["timeout"] else " (timeout: " + ",".join(row["timeout"]) + ")"
            rows.append([f"{row['n']:,}{to}", fmt_s(ow), fmt_s(pw), fmt_s(pc), fmt_ratio(pw, ow),
                         fmt_ratio(pc, ow), fmt_mib(om), fmt_mib(pm), fmt_ratio(pm, om)])
            if o or p:
                orwa = o[0]["credit_rwa"] if o else None
                prwa = p[0]["total_rwa"] if p else None
                sanity.append([f"{row['n']:,}", f"{orwa:,.0f}" if orwa is not None else "-",
                               f"{prwa:,.0f}" if prwa is not None else "-",
                               f"{prwa / orwa:.3f}" if orwa and prwa is not None else "-",
                               f"{p[0]['exposure_count']:,}" if p else "-"])
        print("\nMedian wall time of the whole process (s), peer calculation alone (s), "
              "peak RSS (MiB, max over runs)")
        print(table(["lines", "prudentia", "rwa-calc", "rwa-calc calc", "peer/prud",
                     "calc/prud", "prud MiB", "peer MiB", "peer/prud MiB"], rows))
        print("\nSanity: total credit RWA of the same book (rwa-calc: SA RWA of its exposures)")
        print(table(["lines", "prudentia rwa.credit", "rwa-calc total_rwa", "peer/prud",
                     "peer exposures"], sanity))
        check = next((r.get("check") for r in results if r.get("check")), None)
        first = next((r for r in results if r["ours"]), None)
        if check and check.get("by_class") and first:
            ours = first["ours"][0]["by_class"]
            keys = sorted(set(ours) | set(check["by_class"]))
            print(f"\nRWA by our class, {first['n']:,} lines (exposure after CCF/CRM, RWA)")
            print(table(["class", "prudentia exposure", "rwa-calc exposure", "prudentia rwa",
                         "rwa-calc rwa"],
                        [[k, f"{ours.get(k, {}).get('exposure', 0):,.0f}",
                          f"{check['by_class'].get(k, {}).get('exposure', 0):,.0f}",
                          f"{ours.get(k, {}).get('rwa', 0):,.0f}",
                          f"{check['by_class'].get(k, {}).get('rwa', 0):,.0f}"] for k in keys]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
