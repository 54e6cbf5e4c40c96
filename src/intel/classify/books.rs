//! Labelled synthetic books with the names, products and descriptions of
//! a real core system, in French and English: what the built-in model
//! learns from, and what `make eval` measures on. A bank keeps its
//! counterparties from one reporting date to the next and adds new ones;
//! `Style` is how its systems spell things (a second bank spells them
//! differently, to measure the built-in model on a stranger's file).

use crate::engine::dataset::{CounterpartyType, Exposure, ExposureClass};
use crate::samples::{Rng, class_for, exposure};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Mixed French and English labels in proper case, as typed by people.
    House,
    /// Upper-case abbreviations of a core banking system ("PRET IMMO RP").
    Core,
}

struct Counterparty {
    id: String,
    class: ExposureClass,
    name: String,
    sector: Option<&'static str>,
    /// A shop or a trade treated as retail (a small business's loans).
    small_business: bool,
}

pub struct Bank {
    style: Style,
    rng: Rng,
    counterparties: Vec<Counterparty>,
    lines: usize,
    /// The share of lines whose class is wrong, as in a real history.
    pub mistakes: f64,
}

impl Bank {
    pub fn new(style: Style, seed: u64) -> Bank {
        Bank {
            style,
            rng: Rng(seed),
            counterparties: Vec::new(),
            lines: 0,
            mistakes: 0.005,
        }
    }

    /// The book at the next reporting date: `lines` lines of which about
    /// `new` (a share) belong to counterparties never seen before.
    pub fn book(&mut self, lines: usize, new: f64) -> Vec<Exposure> {
        (0..lines)
            .map(|_| {
                let known = !self.counterparties.is_empty() && !self.rng.chance(new);
                let at = if known {
                    (self.rng.next() % self.counterparties.len() as u64) as usize
                } else {
                    self.counterparty()
                };
                self.line(at)
            })
            .collect()
    }

    fn counterparty(&mut self) -> usize {
        let class = class_for(&mut self.rng);
        let small_business = class == ExposureClass::Retail && self.rng.chance(0.3);
        let (name, sector) = if small_business {
            let (name, sector) = shop(&mut self.rng);
            let name = match self.style {
                Style::House => name,
                Style::Core => core_spelling(&name),
            };
            (name, Some(sector))
        } else {
            (
                name(&mut self.rng, self.style, class),
                sector(&mut self.rng, class),
            )
        };
        let id = match self.style {
            Style::House => format!("CP-{:06}", self.counterparties.len()),
            Style::Core => format!("{:09}", 100_000_000 + self.counterparties.len() * 7),
        };
        self.counterparties.push(Counterparty {
            id,
            class,
            name,
            sector,
            small_business,
        });
        self.counterparties.len() - 1
    }

    fn line(&mut self, at: usize) -> Exposure {
        self.lines += 1;
        let cp = &self.counterparties[at];
        let rng = &mut self.rng;
        let mut l = exposure(rng, self.lines, cp.class, 200);
        l.id = match self.style {
            Style::House => format!("L-{:07}", self.lines),
            Style::Core => format!("ACC{:010}", self.lines * 13),
        };
        l.counterparty_id = Some(cp.id.clone());
        l.counterparty_name = (!rng.chance(0.05)).then(|| cp.name.clone());
        l.sector = cp.sector.map(str::to_owned);
        l.currency = Some(if rng.chance(0.9) { "EUR" } else { "USD" }.to_owned());
        if cp.small_business {
            l.counterparty_type = Some(CounterpartyType::Sme);
        }
        // A quarter of the lines carry a label several classes share
        // ("Bond", "Ligne de crédit"), some none at all.
        let (product, description) = match generic(rng, cp.class) {
            Some(shared) if rng.chance(0.25) => shared,
            _ => product(rng, self.style, cp.class, cp.small_business),
        };
        if !rng.chance(0.08) {
            l.product = Some(product.to_owned());
        }
        if rng.chance(0.5) {
            l.description = Some(description.to_owned());
        }
        // Core systems seldom carry the regulatory sub-types or the
        // counterparty type; the model must read the rest.
        if !rng.chance(0.2) {
            l.re_type = None;
            l.sl_type = None;
            l.retail_type = None;
            l.other_type = None;
        }
        if rng.chance(0.3) {
            l.counterparty_type = None;
        }
        l.mdb_qualifying = false;
        if rng.chance(self.mistakes) {
            l.class = *rng.pick(&ExposureClass::ALL);
        }
        l
    }
}

const SURNAMES: [&str; 24] = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Fournier", "Smith", "Jones",
    "Taylor", "Brown", "Wilson", "Müller", "Schmidt", "Rossi",
];
const FIRST_NAMES: [&str; 16] = [
    "Jean",
    "Marie",
    "Pierre",
    "Claire",
    "Nicolas",
    "Sophie",
    "Luc",
    "Élodie",
    "John",
    "Emma",
    "David",
    "Sarah",
    "Hélène",
    "François",
    "Anna",
    "Paul",
];
const PLACES: [&str; 16] = [
    "Lyon",
    "Bordeaux",
    "Nantes",
    "Lille",
    "Rennes",
    "Toulouse",
    "Marseille",
    "Grenoble",
    "Dijon",
    "Anvers",
    "Liège",
    "Rotterdam",
    "Hamburg",
    "Milano",
    "Sevilla",
    "Brest",
];
const TRADES: [&str; 20] = [
    "Industries",
    "Logistique",
    "Technologies",
    "Holding",
    "Transports",
    "Distribution",
    "Construction",
    "Agroalimentaire",
    "Engineering",
    "Services",
    "Chimie",
    "Packaging",
    "Automotive",
    "Textiles",
    "Software",
    "Pharma",
    "Matériaux",
    "Energies",
    "Retail Group",
    "Manufacturing",
];
const FORMS: [&str; 10] = [
    "SA", "SAS", "SARL", "GmbH", "Ltd", "plc", "BV", "NV", "SpA", "SE",
];
const BANKS: [&str; 14] = [
    "BNP Paribas",
    "Société Générale",
    "Crédit Agricole CIB",
    "Natixis",
    "Deutsche Bank AG",
    "Commerzbank AG",
    "ING Bank NV",
    "Rabobank",
    "Banco Santander",
    "UniCredit SpA",
    "Intesa Sanpaolo",
    "KBC Bank",
    "Crédit Mutuel Arkéa",
    "La Banque Postale",
];
const SOVEREIGNS: [&str; 10] = [
    "République française",
    "Agence France Trésor",
    "Bundesrepublik Deutschland",
    "Kingdom of Belgium",
    "Kingdom of Spain",
    "Republic of Italy",
    "Kingdom of the Netherlands",
    "Republic of Austria",
    "Grand-Duché de Luxembourg",
    "United States Treasury",
];
const PUBLIC: [&str; 10] = [
    "Région",
    "Ville de",
    "Département",
    "Communauté urbaine de",
    "CHU de",
    "Métropole de",
    "Syndicat des eaux de",
    "Stadt",
    "Office public de l'habitat de",
    "Municipality of",
];
const MDBS: [&str; 8] = [
    "European Investment Bank",
    "Banque européenne d'investissement",
    "International Bank for Reconstruction and Development",
    "Council of Europe Development Bank",
    "European Bank for Reconstruction and Development",
    "Asian Development Bank",
    "Nordic Investment Bank",
    "Banque africaine de développement",
];
const VEHICLES: [&str; 10] = [
    "Solar SPV",
    "Parc Éolien SAS",
    "Shipping Ltd",
    "Aviation Leasing",
    "Energy Project Co",
    "Rail Finance SAS",
    "Hydro Développement",
    "Offshore Wind BV",
    "Fibre Infra SAS",
    "Metals Trading SA",
];
const HOLDERS: [&str; 6] = [
    "Caisse centrale",
    "Trésorerie agence",
    "Immobilisations",
    "Comptes de régularisation",
    "Stock d'or",
    "Chèques à l'encaissement",
];

fn name(rng: &mut Rng, style: Style, class: ExposureClass) -> String {
    use ExposureClass::*;
    let surname = *rng.pick(&SURNAMES);
    let place = *rng.pick(&PLACES);
    let company = || {
        format!(
            "{surname} {}",
            TRADES[(surname.len() * 7 + place.len()) % 20]
        )
    };
    let text = match class {
        Sovereign => (*rng.pick(&SOVEREIGNS)).to_owned(),
        Pse => format!("{} {place}", rng.pick(&PUBLIC)),
        Mdb => (*rng.pick(&MDBS)).to_owned(),
        Bank => (*rng.pick(&BANKS)).to_owned(),
        CoveredBond => format!(
            "{} {}",
            rng.pick(&BANKS),
            rng.pick(&["SFH", "Home Loan SFH", "SCF", "Covered Bonds", "Pfandbrief"])
        ),
        Corporate | SubordinatedDebt | Equity => {
            format!("{} {}", company(), rng.pick(&FORMS))
        }
        EquitySpeculative => format!(
            "{} {}",
            rng.pick(&["Start-up", "Venture", "Capital Innovation", "Seed"]),
            company()
        ),
        SpecialisedLending => format!("{place} {}", rng.pick(&VEHICLES)),
        Retail => individual(rng, surname),
        RealEstate if rng.chance(0.25) => format!("SCI {} {place}", rng.pick(&SURNAMES)),
        RealEstate => individual(rng, surname),
        OtherAssets => (*rng.pick(&HOLDERS)).to_owned(),
    };
    match style {
        Style::House => text,
        Style::Core => core_spelling(&text),
    }
}

/// A small business banked as retail, and its NACE code.
fn shop(rng: &mut Rng) -> (String, &'static str) {
    let surname = rng.pick(&SURNAMES);
    let (trade, sector) = *rng.pick(&[
        ("Boulangerie", "C10.71"),
        ("Plomberie", "F43.22"),
        ("Cabinet médical Dr", "Q86.21"),
        ("Garage", "G45.20"),
        ("Restaurant Chez", "I56.10"),
        ("Pharmacie", "G47.73"),
        ("Menuiserie", "C16.23"),
        ("Taxi", "H49.32"),
    ]);
    let form = rng.pick(&["", " EURL", " SARL", " EI", " Ltd"]);
    (format!("{trade} {surname}{form}"), sector)
}

/// Labels several classes share: a bond is a sovereign's, a bank's or a
/// company's; a credit line is lent to anyone.
fn generic(rng: &mut Rng, class: ExposureClass) -> Option<(&'static str, &'static str)> {
    use ExposureClass::*;
    let pool: &[(&str, &str)] = match class {
        Sovereign | Pse | Mdb | Bank | CoveredBond | SubordinatedDebt => &[
            ("Obligation", "Titre de créance en portefeuille"),
            ("Bond", "Debt security held"),
            ("Portefeuille titres", "Securities portfolio"),
        ],
        Corporate | SpecialisedLending => &[
            ("Ligne de crédit", "Credit line"),
            ("Prêt amortissable", "Amortising loan"),
            ("Obligation", "Corporate bond held"),
            ("Prêt professionnel", "Business loan"),
        ],
        Retail | RealEstate => &[
            ("Prêt amortissable", "Amortising loan"),
            ("Ligne de crédit", "Credit line"),
            ("Prêt professionnel", "Business loan"),
        ],
        Equity | EquitySpeculative => &[
            ("Titres de participation", "Shares held"),
            ("Actions", "Equity"),
        ],
        OtherAssets => return None,
    };
    Some(*rng.pick(pool))
}

fn individual(rng: &mut Rng, surname: &str) -> String {
    let first = rng.pick(&FIRST_NAMES);
    match rng.next() % 5 {
        0 => format!("M. {first} {surname}"),
        1 => format!("Mme {first} {surname}"),
        2 => format!("{first} {surname}"),
        3 => format!("Mr & Mrs {surname}"),
        _ => format!("{surname} {first}"),
    }
}

/// A core system's spelling: upper case, no accents, legal forms and
/// common words abbreviated.
fn core_spelling(text: &str) -> String {
    let upper = deunicode::deunicode(text).to_uppercase();
    let mut out: Vec<&str> = Vec::new();
    for word in upper.split_whitespace() {
        out.push(match word {
            "REPUBLIQUE" | "REPUBLIC" => "REP",
            "KINGDOM" => "KGDM",
            "DEVELOPMENT" | "DEVELOPPEMENT" => "DEV",
            "INVESTMENT" | "INVESTISSEMENT" => "INV",
            "INTERNATIONAL" => "INTL",
            "INDUSTRIES" => "IND",
            "TECHNOLOGIES" => "TECH",
            "TRANSPORTS" => "TRANSP",
            "DISTRIBUTION" => "DISTRIB",
            "CONSTRUCTION" => "CONSTR",
            "SERVICES" => "SVCS",
            "MANUFACTURING" => "MFG",
            "M." | "MME" | "MR" | "MRS" | "&" => continue,
            other => other,
        });
    }
    out.join(" ")
}

fn sector(rng: &mut Rng, class: ExposureClass) -> Option<&'static str> {
    use ExposureClass::*;
    let codes: &[&'static str] = match class {
        Sovereign => &["O84.11", "O84.12"],
        Pse => &["O84.11", "O84.13", "Q86.10", "E36.00"],
        Mdb => &["U99.00", "K64.19"],
        Bank | CoveredBond => &["K64.19", "K64.92"],
        Corporate | SubordinatedDebt | Equity | EquitySpeculative => &[
            "C10.71", "C20.11", "C25.62", "C29.10", "F41.20", "F43.21", "G46.90", "G47.11",
            "H49.41", "H52.10", "J62.01", "M70.22", "M71.12", "I55.10", "C21.20", "K64.20",
        ],
        SpecialisedLending => &["D35.11", "H50.20", "H51.10", "F42.11", "J61.10", "G46.72"],
        Retail | RealEstate => return rng.chance(0.2).then_some("T97.00"),
        OtherAssets => return None,
    };
    rng.chance(0.85).then(|| *rng.pick(codes))
}

/// A product label and a longer description for a line of `class`.
fn product(
    rng: &mut Rng,
    style: Style,
    class: ExposureClass,
    small_business: bool,
) -> (&'static str, &'static str) {
    use ExposureClass::*;
    if small_business {
        return *rng.pick(match style {
            Style::House => &[
                ("Prêt professionnel", "Prêt d'équipement à un artisan"),
                ("Business loan", "Small business equipment loan"),
                ("Découvert professionnel", "Autorisation de découvert"),
            ],
            Style::Core => &[("PRET PRO", "ARTISAN EQUIP"), ("BUS LN", "SMALL BUS")],
        });
    }
    let house: &[(&str, &str)] = match class {
        Sovereign => &[
            (
                "OAT",
                "Obligation assimilable du Trésor, portefeuille de liquidité",
            ),
            (
                "Government bond",
                "Sovereign bond held in the liquidity buffer",
            ),
            ("Bon du Trésor (BTF)", "Bon du Trésor à taux fixe, 3 mois"),
            ("Bund 10 ans", "Emprunt d'État allemand"),
        ],
        Pse => &[
            (
                "Prêt aux collectivités",
                "Prêt à une collectivité territoriale",
            ),
            (
                "Municipal loan",
                "Loan to a local authority for public works",
            ),
            (
                "Financement hospitalier",
                "Prêt à un établissement public de santé",
            ),
        ],
        Mdb => &[
            (
                "Obligation supranationale",
                "Titre émis par une banque multilatérale",
            ),
            (
                "Supranational bond",
                "Bond issued by a multilateral development bank",
            ),
        ],
        Bank => &[
            ("Prêt interbancaire", "Placement interbancaire à terme"),
            (
                "Interbank deposit",
                "Money market placement with a credit institution",
            ),
            (
                "Compte nostro",
                "Compte ouvert chez un correspondant bancaire",
            ),
            ("Pension livrée", "Reverse repo with a bank counterparty"),
        ],
        CoveredBond => &[
            (
                "Obligation de financement de l'habitat",
                "OFH notée, portefeuille titres",
            ),
            ("Covered bond", "Covered bond held for liquidity"),
            (
                "Obligation foncière",
                "Obligation foncière émise par une SCF",
            ),
        ],
        Corporate => &[
            ("Crédit de trésorerie", "Facilité de trésorerie court terme"),
            ("Term loan", "Senior secured term loan"),
            (
                "Revolving credit facility",
                "Committed revolving facility, undrawn part",
            ),
            ("Prêt moyen terme", "Financement d'investissement matériel"),
            (
                "Crédit-bail mobilier",
                "Crédit-bail sur équipements industriels",
            ),
            ("Affacturage", "Financement du poste clients"),
            (
                "Garantie bancaire",
                "Garantie de marché émise pour le client",
            ),
        ],
        SpecialisedLending => &[
            (
                "Financement de projet",
                "Financement sans recours d'une centrale",
            ),
            ("Project finance", "Non-recourse project finance, wind farm"),
            (
                "Asset finance – aircraft",
                "Aircraft financing secured on the airframe",
            ),
            ("Ship finance", "Loan secured on a vessel"),
            (
                "Financement de matières premières",
                "Financement de stocks de métaux",
            ),
        ],
        SubordinatedDebt => &[
            ("Titre subordonné", "Obligation subordonnée Tier 2"),
            (
                "Subordinated note",
                "Subordinated loan note, junior to senior debt",
            ),
            ("Prêt participatif", "Prêt participatif de rang subordonné"),
        ],
        Equity => &[
            ("Participation", "Participation stratégique non consolidée"),
            ("Listed shares", "Listed equity holding"),
            ("Actions cotées", "Actions détenues en portefeuille"),
        ],
        EquitySpeculative => &[
            (
                "Capital-risque",
                "Prise de participation dans une jeune entreprise",
            ),
            ("Venture capital", "Unlisted venture capital stake"),
            (
                "Fonds de capital-investissement",
                "Parts de fonds non cotés",
            ),
        ],
        Retail => &[
            ("Prêt personnel", "Prêt à la consommation amortissable"),
            ("Personal loan", "Unsecured consumer loan"),
            ("Carte de crédit", "Crédit renouvelable adossé à une carte"),
            ("Credit card", "Revolving credit card balance"),
            (
                "Découvert autorisé",
                "Autorisation de découvert sur compte courant",
            ),
            ("Prêt auto", "Financement d'un véhicule particulier"),
        ],
        RealEstate => &[
            (
                "Prêt immobilier",
                "Prêt immobilier résidence principale, taux fixe",
            ),
            ("Mortgage", "Residential mortgage, owner-occupied"),
            ("Crédit habitat", "Crédit habitat amortissable 20 ans"),
            ("Buy-to-let mortgage", "Mortgage on a rented flat"),
            (
                "Prêt relais",
                "Prêt relais dans l'attente de la vente d'un bien",
            ),
            (
                "Crédit promoteur",
                "Financement d'une opération de promotion immobilière",
            ),
            (
                "Commercial real estate loan",
                "Loan secured on an office building",
            ),
        ],
        OtherAssets => &[
            ("Espèces", "Billets et pièces en caisse"),
            ("Cash", "Cash in vault"),
            ("Autres actifs", "Actifs divers non ventilés"),
            ("Or", "Lingots d'or détenus en propre"),
        ],
    };
    let core: &[(&str, &str)] = match class {
        Sovereign => &[("GOVT BOND", "SOV BND LIQ BUFFER"), ("OAT FIX", "TRESOR")],
        Pse => &[("PRET COLL LOC", "COLLECTIVITE"), ("MUNI LN", "LOCAL AUTH")],
        Mdb => &[("SUPRA BND", "MDB ISSUE")],
        Bank => &[
            ("MM DEPO", "INTERBANK PLACEMENT"),
            ("NOSTRO", "CORRESP ACCT"),
        ],
        CoveredBond => &[("COV BND", "SFH/SCF ISSUE"), ("OBL FONC", "COVERED")],
        Corporate => &[
            ("CORP TERM LN", "SENIOR TL"),
            ("RCF", "REVOLVER COMMITTED"),
            ("CRED TRESO", "ST FACILITY"),
            ("CBAIL MOB", "EQUIP LEASE"),
        ],
        SpecialisedLending => &[("PROJ FIN", "NON RECOURSE"), ("ASSET FIN", "AIRCRAFT/SHIP")],
        SubordinatedDebt => &[("SUB NOTE", "T2 JUNIOR"), ("PRET PARTICIP", "SUBORD")],
        Equity => &[("EQ LISTED", "SHARES"), ("PARTICIP", "STRATEGIC STAKE")],
        EquitySpeculative => &[("VC STAKE", "UNLISTED VENTURE"), ("PE FUND", "UNLISTED")],
        Retail => &[
            ("CONSO PERS", "PERSONAL LN"),
            ("CARD REV", "CREDIT CARD"),
            ("DECOUVERT", "OVERDRAFT"),
            ("AUTO LN", "CAR LOAN"),
        ],
        RealEstate => &[
            ("PRET IMMO RP", "MORTGAGE OWNER OCC"),
            ("MORTG BTL", "BUY TO LET"),
            ("CRE LN", "OFFICE SECURED"),
            ("CRED PROMO", "RE DEVELOPMENT"),
        ],
        OtherAssets => &[("CASH VAULT", "ESPECES"), ("OTH ASSETS", "MISC")],
    };
    *rng.pick(match style {
        Style::House => house,
        Style::Core => core,
    })
}
