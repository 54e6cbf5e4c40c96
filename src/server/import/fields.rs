//! The fields of each dataset.md section, what their values look like, and
//! the header spellings banks use for them (import-headers.md).

use crate::engine::profile::{ASF, INFLOWS, OUTFLOWS, RSF};
use crate::model::import::Section;

/// The allowed values of an enumerated field: (dataset.md value, aliases).
pub type Choices = &'static [(&'static str, &'static [&'static str])];

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Text,
    /// Identifiers: a number cell `12345` reads as "12345", not "12345.0".
    Id,
    /// Money, multiplied by the file's unit.
    Amount,
    /// A plain number (years, a maturity), never scaled.
    Number,
    Year,
    /// A fraction; a value above `percent_above` (or with `%`) is a percentage.
    Fraction {
        percent_above: f64,
    },
    Bool,
    Date,
    Rating,
    Cqs,
    Country,
    Currency,
    Choice(Choices),
    /// One of the profile's categories (LCR flows, NSFR factors).
    Category(&'static [(&'static str, f64)]),
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub synonyms: &'static [&'static str],
}

const fn field(name: &'static str, kind: Kind, synonyms: &'static [&'static str]) -> Field {
    Field {
        name,
        kind,
        required: false,
        synonyms,
    }
}

const fn required(name: &'static str, kind: Kind, synonyms: &'static [&'static str]) -> Field {
    Field {
        name,
        kind,
        required: true,
        synonyms,
    }
}

/// LTV and similar: 85 means 85 %, 1.2 means 120 %.
const LTV: Kind = Kind::Fraction { percent_above: 3.0 };
/// Buffer and requirement rates: 2.5 and 0.5 mean 2.5 % and 0.5 %; 0.025
/// is 2.5 % too (no buffer reaches 10 %).
const RATE: Kind = Kind::Fraction { percent_above: 0.1 };

pub const CLASSES: Choices = &[
    (
        "sovereign",
        &[
            "administrations centrales",
            "administration centrale",
            "souverain",
            "etats",
            "central governments",
            "sovereigns",
        ],
    ),
    (
        "pse",
        &[
            "secteur public",
            "entites du secteur public",
            "public sector entities",
            "administrations regionales",
        ],
    ),
    (
        "mdb",
        &[
            "banques multilaterales de developpement",
            "multilateral development banks",
            "bmd",
        ],
    ),
    (
        "bank",
        &[
            "etablissements",
            "etablissement",
            "banques",
            "institutions",
            "banks",
        ],
    ),
    (
        "covered_bond",
        &[
            "obligations garanties",
            "covered bonds",
            "obligations foncieres",
        ],
    ),
    (
        "corporate",
        &["entreprises", "entreprise", "corporates", "societes"],
    ),
    (
        "specialised_lending",
        &[
            "financements specialises",
            "financement specialise",
            "specialized lending",
        ],
    ),
    (
        "subordinated_debt",
        &["dette subordonnee", "subordinated debt"],
    ),
    ("equity", &["actions", "equities", "participations"]),
    (
        "equity_speculative",
        &[
            "actions speculatives",
            "capital investissement speculatif",
            "speculative equity",
        ],
    ),
    (
        "retail",
        &[
            "clientele de detail",
            "detail",
            "particuliers",
            "retail exposures",
        ],
    ),
    (
        "real_estate",
        &[
            "expositions garanties par une hypotheque",
            "expositions garanties par une hypotheque sur un bien immobilier",
            "immobilier",
            "garanties par un bien immobilier",
            "secured by real estate",
            "real estate exposures",
            "mortgages",
        ],
    ),
    (
        "other_assets",
        &["autres actifs", "other items", "autres elements"],
    ),
];

const COUNTERPARTY_TYPES: Choices = &[
    (
        "individual",
        &[
            "particulier",
            "personne physique",
            "natural person",
            "household",
            "menage",
        ],
    ),
    ("sme", &["pme", "small and medium enterprise"]),
    (
        "corporate",
        &[
            "entreprise",
            "grande entreprise",
            "societe non financiere",
            "non financial corporation",
        ],
    ),
    (
        "bank",
        &[
            "etablissement de credit",
            "banque",
            "credit institution",
            "institution",
        ],
    ),
    (
        "sovereign",
        &[
            "etat",
            "administration centrale",
            "central government",
            "government",
        ],
    ),
    (
        "pse",
        &[
            "entite du secteur public",
            "collectivite locale",
            "public sector entity",
        ],
    ),
    ("mdb", &["banque multilaterale de developpement"]),
    ("other", &["autre"]),
];

const SCRA: Choices = &[("A+", &["a plus"]), ("A", &[]), ("B", &[]), ("C", &[])];

const SL_TYPES: Choices = &[
    ("object", &["object finance", "financement d objets"]),
    (
        "commodities",
        &["commodities finance", "financement de matieres premieres"],
    ),
    (
        "project_pre_operational",
        &[
            "project finance pre operational",
            "projet phase pre operationnelle",
        ],
    ),
    (
        "project_operational",
        &["project finance operational", "projet phase operationnelle"],
    ),
    (
        "project_high_quality",
        &["project finance high quality", "projet de haute qualite"],
    ),
];

const RETAIL_TYPES: Choices = &[
    ("transactor", &["transacteur"]),
    ("regulatory", &["regulatory retail", "detail reglementaire"]),
    ("other", &["autre"]),
];

const OTHER_TYPES: Choices = &[
    ("cash", &["caisse", "especes", "cash in hand"]),
    ("gold", &["or"]),
    (
        "cash_in_collection",
        &[
            "valeurs en cours de recouvrement",
            "items in course of collection",
        ],
    ),
    ("other", &["autre"]),
];

const RE_TYPES: Choices = &[
    (
        "rre",
        &[
            "residential",
            "residentiel",
            "immobilier residentiel",
            "habitation",
        ],
    ),
    (
        "rre_ip",
        &[
            "residential income producing",
            "buy to let",
            "locatif residentiel",
            "residentiel locatif",
        ],
    ),
    ("cre", &["commercial", "immobilier commercial"]),
    (
        "cre_ip",
        &[
            "commercial income producing",
            "commercial locatif",
            "immobilier commercial locatif",
        ],
    ),
    (
        "adc",
        &[
            "land acquisition development construction",
            "promotion immobiliere",
        ],
    ),
    (
        "adc_qualifying",
        &["adc qualifying", "promotion immobiliere eligible"],
    ),
];

const OFF_BALANCE_TYPES: Choices = &[
    (
        "direct_credit_substitute",
        &[
            "substitut direct de credit",
            "garantie financiere",
            "financial guarantee",
        ],
    ),
    (
        "transaction_contingent",
        &[
            "engagement lie a une transaction",
            "performance bond",
            "garantie de bonne fin",
        ],
    ),
    (
        "nif_ruf",
        &["note issuance facility", "revolving underwriting facility"],
    ),
    (
        "trade_lc",
        &[
            "credit documentaire",
            "trade letter of credit",
            "letter of credit",
        ],
    ),
    (
        "commitment",
        &[
            "engagement",
            "engagement de financement",
            "credit line",
            "ligne de credit",
        ],
    ),
    (
        "unconditionally_cancellable",
        &[
            "revocable sans condition",
            "unconditionally cancellable commitment",
        ],
    ),
];

const COLLATERAL_TYPES: Choices = &[
    (
        "cash",
        &["especes", "depot", "cash deposit", "gage especes"],
    ),
    ("gold", &["or"]),
    (
        "sovereign_debt",
        &[
            "titres souverains",
            "obligations d etat",
            "government bonds",
        ],
    ),
    (
        "main_index_equity",
        &["actions indice principal", "main index equities"],
    ),
    (
        "other_listed_equity",
        &["autres actions cotees", "other listed equities"],
    ),
];

const TIERS: Choices = &[
    (
        "cet1",
        &[
            "common equity tier 1",
            "ce1",
            "cet 1",
            "fonds propres de base de categorie 1",
        ],
    ),
    (
        "at1",
        &[
            "additional tier 1",
            "at 1",
            "fonds propres additionnels de categorie 1",
        ],
    ),
    ("t2", &["tier 2", "tier2", "fonds propres de categorie 2"]),
];

const CAPITAL_KINDS: Choices = &[
    ("item", &["element", "instrument", "positive"]),
    (
        "deduction",
        &["deduction", "deductions", "ajustement", "negative"],
    ),
];

const RISK_TYPES: Choices = &[
    ("credit", &["credit risk", "risque de credit"]),
    (
        "ccr",
        &["counterparty credit risk", "risque de contrepartie"],
    ),
    ("securitisation", &["securitization", "titrisation"]),
    ("settlement", &["settlement risk", "risque de reglement"]),
    ("other", &["autre", "autres"]),
];

const HQLA_LEVELS: Choices = &[
    ("l1", &["level 1", "niveau 1", "1"]),
    ("l2a", &["level 2a", "niveau 2a", "2a"]),
    ("l2b_rmbs", &["level 2b rmbs", "niveau 2b rmbs", "2b rmbs"]),
    (
        "l2b_other",
        &[
            "level 2b",
            "niveau 2b",
            "2b",
            "level 2b other",
            "niveau 2b autres",
        ],
    ),
];

const LABEL: &[&str] = &[
    "label",
    "libelle",
    "description",
    "item",
    "poste",
    "designation",
    "name",
    "nom",
];
const AMOUNT: &[&str] = &[
    "amount", "montant", "value", "valeur", "balance", "solde", "encours",
];
const CATEGORY: &[&str] = &["category", "categorie", "type"];

const SETTINGS: &[Field] = &[
    required(
        "key",
        Kind::Text,
        &["parameter", "setting", "cle", "parametre", "champ"],
    ),
    field("value", Kind::Text, &["valeur", "montant"]),
];

const CCYB_RATES: &[Field] = &[
    required(
        "country",
        Kind::Country,
        &["pays", "jurisdiction", "juridiction"],
    ),
    required(
        "rate",
        RATE,
        &[
            "ccyb rate",
            "taux",
            "taux du coussin contracyclique",
            "countercyclical buffer rate",
        ],
    ),
];

const CAPITAL: &[Field] = &[
    required(
        "tier",
        Kind::Choice(TIERS),
        &["niveau", "categorie de fonds propres", "capital tier"],
    ),
    field(
        "kind",
        Kind::Choice(CAPITAL_KINDS),
        &["nature", "item or deduction", "element ou deduction"],
    ),
    field("label", Kind::Text, LABEL),
    required("amount", Kind::Amount, AMOUNT),
];

const EXPOSURES: &[Field] = &[
    required(
        "id",
        Kind::Id,
        &[
            "exposure id",
            "exposure reference",
            "loan id",
            "loan identifier",
            "contract id",
            "facility id",
            "deal id",
            "account number",
            "identifiant exposition",
            "n de contrat",
            "numero de contrat",
            "reference du pret",
            "identifiant du credit",
            "numero de dossier",
            "reference",
        ],
    ),
    // Optional: the model proposes the class of a line without one.
    field(
        "class",
        Kind::Choice(CLASSES),
        &[
            "exposure class",
            "regulatory class",
            "basel class",
            "asset class",
            "portfolio",
            "categorie d exposition",
            "portefeuille balois",
            "classe d actifs",
            "portefeuille",
        ],
    ),
    field(
        "counterparty_id",
        Kind::Id,
        &[
            "counterparty id",
            "counterparty reference",
            "obligor id",
            "borrower id",
            "customer id",
            "client id",
            "lei",
            "identifiant contrepartie",
            "n client",
            "numero client",
            "identifiant emprunteur",
            "code tiers",
        ],
    ),
    field(
        "counterparty_name",
        Kind::Text,
        &[
            "counterparty name",
            "obligor",
            "borrower name",
            "client name",
            "contrepartie",
            "raison sociale",
            "nom du client",
            "emprunteur",
            "debiteur",
        ],
    ),
    field(
        "group_id",
        Kind::Id,
        &[
            "group",
            "group id",
            "connected clients",
            "group of connected clients",
            "groupe",
            "groupe de clients lies",
            "code groupe",
        ],
    ),
    field(
        "counterparty_type",
        Kind::Choice(COUNTERPARTY_TYPES),
        &[
            "entity type",
            "counterparty type",
            "customer segment",
            "borrower type",
            "institutional sector",
            "legal type",
            "type de contrepartie",
            "categorie de clientele",
            "secteur institutionnel",
            "forme juridique",
        ],
    ),
    field(
        "rating",
        Kind::Rating,
        &[
            "external rating",
            "ecai rating",
            "s p rating",
            "moody s rating",
            "fitch rating",
            "notation externe",
            "note",
            "notation",
        ],
    ),
    field(
        "cqs",
        Kind::Cqs,
        &["credit quality step", "echelon de qualite de credit", "eqc"],
    ),
    field(
        "short_term",
        Kind::Bool,
        &["short term", "court terme", "short term rating"],
    ),
    field(
        "scra_grade",
        Kind::Choice(SCRA),
        &["scra", "scra grade", "grade scra"],
    ),
    field(
        "issuer_rating",
        Kind::Rating,
        &["issuer rating", "notation de l emetteur"],
    ),
    field(
        "issuer_scra_grade",
        Kind::Choice(SCRA),
        &["issuer scra grade"],
    ),
    field(
        "sme",
        Kind::Bool,
        &[
            "sme",
            "pme",
            "enterprise size",
            "taille d entreprise",
            "sme flag",
        ],
    ),
    field(
        "investment_grade",
        Kind::Bool,
        &["investment grade", "categorie investissement"],
    ),
    field(
        "mdb_qualifying",
        Kind::Bool,
        &["mdb qualifying", "bmd eligible"],
    ),
    field(
        "sl_type",
        Kind::Choice(SL_TYPES),
        &["specialised lending type", "type de financement specialise"],
    ),
    field(
        "retail_type",
        Kind::Choice(RETAIL_TYPES),
        &["retail type", "type de detail"],
    ),
    field(
        "other_type",
        Kind::Choice(OTHER_TYPES),
        &["other asset type", "type d autre actif"],
    ),
    field(
        "re_type",
        Kind::Choice(RE_TYPES),
        &[
            "property type",
            "residential commercial",
            "type de bien",
            "type d immobilier",
            "real estate type",
        ],
    ),
    field(
        "ltv",
        LTV,
        &[
            "loan to value",
            "ltv ratio",
            "quotite de financement",
            "ratio pret valeur",
        ],
    ),
    field(
        "property_value",
        Kind::Amount,
        &[
            "property value",
            "latest valuation amount",
            "valeur du bien",
            "valeur d expertise",
        ],
    ),
    field(
        "re_criteria_met",
        Kind::Bool,
        &["criteria met", "re criteria met", "criteres remplis"],
    ),
    field(
        "defaulted",
        Kind::Bool,
        &[
            "default",
            "default flag",
            "non performing",
            "npl",
            "defaut",
            "douteux",
            "creance douteuse",
            "non performant",
            "en defaut",
        ],
    ),
    field(
        "currency",
        Kind::Currency,
        &["ccy", "currency of exposure", "devise", "monnaie"],
    ),
    field(
        "currency_mismatch",
        Kind::Bool,
        &["currency mismatch", "asymetrie de devises"],
    ),
    field(
        "country",
        Kind::Country,
        &[
            "country of residence",
            "country of registered location",
            "domicile",
            "pays",
            "pays de residence",
            "pays du siege",
        ],
    ),
    field(
        "sector",
        Kind::Text,
        &[
            "nace",
            "nace code",
            "industry code",
            "sic",
            "industry segment",
            "economic activity",
            "code nace",
            "code naf",
            "secteur d activite",
            "secteur",
        ],
    ),
    field(
        "drawn",
        Kind::Amount,
        &[
            "outstanding",
            "balance",
            "drawn amount",
            "principal",
            "gross carrying amount",
            "book value",
            "exposure",
            "on balance",
            "encours",
            "encours tire",
            "montant tire",
            "valeur brute comptable",
            "capital restant du",
            "crd",
        ],
    ),
    field(
        "undrawn",
        Kind::Amount,
        &[
            "undrawn amount",
            "off balance amount",
            "commitment",
            "undrawn limit",
            "guarantee given",
            "montant non tire",
            "engagement hors bilan",
            "engagement de financement",
            "engagement de garantie",
            "hors bilan",
        ],
    ),
    field(
        "off_balance_type",
        Kind::Choice(OFF_BALANCE_TYPES),
        &[
            "product type",
            "obs type",
            "off balance type",
            "type de hors bilan",
            "type d engagement",
        ],
    ),
    field(
        "specific_provisions",
        Kind::Amount,
        &[
            "specific provisions",
            "value adjustments",
            "ecl",
            "ifrs 9 allowance",
            "provisions",
            "depreciations",
            "corrections de valeur",
            "provisions specifiques",
        ],
    ),
    field(
        "collateral_type",
        Kind::Choice(COLLATERAL_TYPES),
        &[
            "collateral",
            "security",
            "collateral type",
            "surete",
            "type de surete",
            "suretes financieres",
        ],
    ),
    field(
        "collateral_value",
        Kind::Amount,
        &[
            "collateral value",
            "valeur de la surete",
            "valeur des suretes",
        ],
    ),
    field(
        "collateral_currency",
        Kind::Currency,
        &["collateral currency", "devise de la surete"],
    ),
    field(
        "collateral_residual_maturity_years",
        Kind::Number,
        &[
            "collateral residual maturity",
            "collateral maturity years",
            "maturite residuelle de la surete",
        ],
    ),
    field(
        "guaranteed_amount",
        Kind::Amount,
        &[
            "guarantee",
            "guaranteed amount",
            "montant garanti",
            "garantie",
        ],
    ),
    field(
        "guarantor_class",
        Kind::Choice(CLASSES),
        &["guarantor class", "categorie du garant"],
    ),
    field(
        "guarantor_rating",
        Kind::Rating,
        &["guarantor rating", "notation du garant"],
    ),
    field(
        "guarantor_group_id",
        Kind::Id,
        &[
            "guarantor",
            "protection provider",
            "garant",
            "fournisseur de protection",
            "guarantor id",
        ],
    ),
    field(
        "maturity_date",
        Kind::Date,
        &[
            "maturity",
            "end date",
            "date d echeance",
            "echeance",
            "date de fin",
        ],
    ),
    // import-headers.md also lists "product type" here; it stays with
    // `off_balance_type`, whose sheets have used it since the first import.
    field(
        "product",
        Kind::Text,
        &[
            "product",
            "product code",
            "facility type",
            "instrument",
            "produit",
            "type de produit",
            "code produit",
            "nature du concours",
        ],
    ),
    field(
        "description",
        Kind::Text,
        &[
            "description",
            "comment",
            "label",
            "narrative",
            "libelle",
            "commentaire",
            "objet du financement",
        ],
    ),
];

const RWA_LINES: &[Field] = &[
    field("label", Kind::Text, LABEL),
    required(
        "risk_type",
        Kind::Choice(RISK_TYPES),
        &["risk type", "type de risque", "risk"],
    ),
    required(
        "rwa",
        Kind::Amount,
        &[
            "risk weighted assets",
            "rwea",
            "rwas",
            "actifs ponderes",
            "montant d exposition au risque",
            "rea",
        ],
    ),
];

const OP_RISK: &[Field] = &[
    required("year", Kind::Year, &["annee", "exercice", "fiscal year"]),
    field(
        "interest_income",
        Kind::Amount,
        &["produits d interets", "interets recus"],
    ),
    field(
        "interest_expense",
        Kind::Amount,
        &["charges d interets", "interets payes"],
    ),
    field(
        "interest_earning_assets",
        Kind::Amount,
        &["actifs productifs d interets"],
    ),
    field(
        "dividend_income",
        Kind::Amount,
        &["dividendes recus", "revenus de dividendes"],
    ),
    field(
        "fee_income",
        Kind::Amount,
        &["commissions recues", "produits de commissions"],
    ),
    field(
        "fee_expense",
        Kind::Amount,
        &["commissions payees", "charges de commissions"],
    ),
    field(
        "other_operating_income",
        Kind::Amount,
        &["autres produits d exploitation"],
    ),
    field(
        "other_operating_expense",
        Kind::Amount,
        &["autres charges d exploitation"],
    ),
    field(
        "trading_book_pnl",
        Kind::Amount,
        &[
            "trading book p l",
            "resultat du portefeuille de negociation",
        ],
    ),
    field(
        "banking_book_pnl",
        Kind::Amount,
        &["banking book p l", "resultat du portefeuille bancaire"],
    ),
];

const LCR_HQLA: &[Field] = &[
    field("label", Kind::Text, LABEL),
    required(
        "level",
        Kind::Choice(HQLA_LEVELS),
        &[
            "hqla level",
            "niveau",
            "niveau hqla",
            "niveau d actifs liquides",
        ],
    ),
    required("amount", Kind::Amount, AMOUNT),
];

const LCR_OUTFLOWS: &[Field] = &[
    field("label", Kind::Text, LABEL),
    required("category", Kind::Category(&OUTFLOWS), CATEGORY),
    required("amount", Kind::Amount, AMOUNT),
];

const LCR_INFLOWS: &[Field] = &[
    field("label", Kind::Text, LABEL),
    required("category", Kind::Category(&INFLOWS), CATEGORY),
    required("amount", Kind::Amount, AMOUNT),
];

const NSFR_ASF: &[Field] = &[
    field("label", Kind::Text, LABEL),
    required("category", Kind::Category(&ASF), CATEGORY),
    required("amount", Kind::Amount, AMOUNT),
];

const NSFR_RSF: &[Field] = &[
    field("label", Kind::Text, LABEL),
    required("category", Kind::Category(&RSF), CATEGORY),
    required("amount", Kind::Amount, AMOUNT),
];

pub fn fields(section: Section) -> &'static [Field] {
    match section {
        Section::Settings => SETTINGS,
        Section::CcybRates => CCYB_RATES,
        Section::Capital => CAPITAL,
        Section::Exposures => EXPOSURES,
        Section::RwaLines => RWA_LINES,
        Section::OpRisk => OP_RISK,
        Section::LcrHqla => LCR_HQLA,
        Section::LcrOutflows => LCR_OUTFLOWS,
        Section::LcrInflows => LCR_INFLOWS,
        Section::NsfrAsf => NSFR_ASF,
        Section::NsfrRsf => NSFR_RSF,
    }
}

pub fn find(section: Section, name: &str) -> Option<&'static Field> {
    fields(section).iter().find(|f| f.name == name)
}

/// Sheet names banks give each section, besides the canonical one.
pub fn sheet_synonyms(section: Section) -> &'static [&'static str] {
    match section {
        Section::Settings => &[
            "parametres",
            "parameters",
            "general",
            "informations generales",
            "exigences",
            "requirements",
        ],
        Section::CcybRates => &[
            "ccyb",
            "countercyclical buffer",
            "coussin contracyclique",
            "taux ccyb",
        ],
        Section::Capital => &["own funds", "fonds propres", "capital items"],
        Section::Exposures => &[
            "expositions",
            "portefeuille",
            "portfolio",
            "credits",
            "loans",
            "encours",
            "exposures credit",
            "risque de credit",
        ],
        Section::RwaLines => &["rwa", "other rwa", "autres rwa", "actifs ponderes"],
        Section::OpRisk => &[
            "operational risk",
            "risque operationnel",
            "business indicator",
            "indicateur d activite",
        ],
        Section::LcrHqla => &["hqla", "actifs liquides", "liquid assets", "lcr actifs"],
        Section::LcrOutflows => &[
            "outflows",
            "sorties",
            "sorties de tresorerie",
            "lcr sorties",
        ],
        Section::LcrInflows => &["inflows", "entrees", "entrees de tresorerie", "lcr entrees"],
        Section::NsfrAsf => &[
            "asf",
            "available stable funding",
            "financement stable disponible",
        ],
        Section::NsfrRsf => &[
            "rsf",
            "required stable funding",
            "financement stable requis",
        ],
    }
}

/// The keys of the canonical workbook's `settings` sheet.
pub const SETTING_KEYS: [&str; 18] = [
    "name",
    "reporting_date",
    "currency",
    "profile",
    "market_risk.own_funds_requirement",
    "cva.own_funds_requirement",
    "op_risk.average_annual_loss",
    "leverage.derivatives",
    "leverage.sft",
    "leverage.other_assets",
    "leverage.tier1_deductions",
    "requirements.p2r",
    "requirements.ccyb",
    "requirements.gsii",
    "requirements.osii",
    "requirements.syrb",
    "requirements.leverage_p2r",
    "requirements.gsii_leverage_buffer",
];

/// How the value of a settings key is read.
pub fn setting_kind(key: &str) -> Kind {
    match key {
        "name" | "profile" => Kind::Text,
        "reporting_date" => Kind::Date,
        "currency" => Kind::Currency,
        k if k.starts_with("requirements.") => RATE,
        _ => Kind::Amount,
    }
}
