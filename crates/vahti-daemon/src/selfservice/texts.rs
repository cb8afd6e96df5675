//! The page's wording in Finnish, Swedish and English.
//!
//! Fixed texts are fields of [`Texts`]; texts with values in them are methods that format the
//! values the way [`vahti_mail::format`] writes them in each language.

use vahti_mail::Locale;

/// A language of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Finnish.
    Fi,
    /// Swedish.
    Sv,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order of the language switch.
    pub const ALL: [Lang; 3] = [Lang::Fi, Lang::Sv, Lang::En];

    /// The language of a `lang` parameter: `fi`, `sv` or `en`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "fi" => Some(Lang::Fi),
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of an account's stored locale.
    pub fn of_locale(locale: vahti_store::Locale) -> Lang {
        match locale {
            vahti_store::Locale::Fi => Lang::Fi,
            vahti_store::Locale::Sv => Lang::Sv,
            vahti_store::Locale::En => Lang::En,
        }
    }

    /// The code used in `lang` parameters and the `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Fi => "Suomeksi",
            Lang::Sv => "På svenska",
            Lang::En => "In English",
        }
    }

    /// The mail crate's locale, whose formats the page uses.
    pub fn locale(self) -> Locale {
        match self {
            Lang::Fi => Locale::Finnish,
            Lang::Sv => Locale::Swedish,
            Lang::En => Locale::English,
        }
    }

    /// The texts of the language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Fi => &FI,
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }
}

/// The fixed texts of one language.
#[derive(Debug)]
pub struct Texts {
    /// The language.
    pub lang: Lang,
    /// The label of the language switch.
    pub language: &'static str,
    /// The skip link at the top of every page.
    pub skip_to_content: &'static str,
    /// The heading of the overview.
    pub open_invoices: &'static str,
    /// What the overview says when nothing is owed.
    pub nothing_owed: &'static str,
    /// Column heading.
    pub invoice: &'static str,
    /// Column heading.
    pub due_date: &'static str,
    /// Column heading.
    pub principal: &'static str,
    /// Column heading.
    pub interest: &'static str,
    /// Column heading.
    pub fees: &'static str,
    /// Column heading.
    pub total: &'static str,
    /// The label of the sum of all open invoices.
    pub total_to_pay: &'static str,
    /// The mark of an overdue invoice.
    pub overdue: &'static str,
    /// The state of a disputed invoice.
    pub disputed: &'static str,
    /// The state of an invoice in a payment plan.
    pub in_plan: &'static str,
    /// A note under the table.
    pub interest_note: &'static str,
    /// The heading of the payment details.
    pub payment_details: &'static str,
    /// A note above the payment details.
    pub pay_separately: &'static str,
    /// Label.
    pub payee: &'static str,
    /// Label.
    pub iban: &'static str,
    /// Label.
    pub bic: &'static str,
    /// Label.
    pub reference: &'static str,
    /// Label.
    pub amount: &'static str,
    /// Label.
    pub barcode: &'static str,
    /// The help under the barcode.
    pub barcode_help: &'static str,
    /// The copy button.
    pub copy: &'static str,
    /// What the copy button says after copying.
    pub copied: &'static str,
    /// The help beside the QR code.
    pub qr_help: &'static str,
    /// The heading of the actions.
    pub what_to_do: &'static str,
    /// Action link.
    pub action_dispute: &'static str,
    /// Help of the action.
    pub action_dispute_help: &'static str,
    /// Action link.
    pub action_promise: &'static str,
    /// Action link.
    pub action_plan: &'static str,
    /// Action link.
    pub action_extension: &'static str,
    /// Action link.
    pub action_email: &'static str,
    /// A note on requests the creditor decides.
    pub creditor_decides: &'static str,
    /// The heading of the request history.
    pub your_requests: &'static str,
    /// The heading of the contact section.
    pub questions: &'static str,
    /// The footer's warning.
    pub do_not_share: &'static str,
    /// The back link of the forms.
    pub back: &'static str,
    /// The heading of an error summary.
    pub fix_these: &'static str,
    /// Title of the dispute form.
    pub dispute_title: &'static str,
    /// Label.
    pub dispute_invoice: &'static str,
    /// Label.
    pub dispute_reason: &'static str,
    /// Help.
    pub dispute_reason_help: &'static str,
    /// Button.
    pub dispute_submit: &'static str,
    /// Title of the promise form.
    pub promise_title: &'static str,
    /// Label.
    pub promise_invoice: &'static str,
    /// Option.
    pub all_overdue: &'static str,
    /// Label.
    pub promise_date: &'static str,
    /// Button.
    pub promise_submit: &'static str,
    /// Title of the plan form.
    pub plan_title: &'static str,
    /// Label.
    pub plan_count: &'static str,
    /// Label.
    pub plan_first: &'static str,
    /// Help.
    pub plan_monthly: &'static str,
    /// Button of the plan and extension forms.
    pub request_submit: &'static str,
    /// Title of the extension form.
    pub extension_title: &'static str,
    /// Label.
    pub extension_invoice: &'static str,
    /// Label.
    pub extension_date: &'static str,
    /// A note on the extension form.
    pub extension_interest: &'static str,
    /// Title of the email form.
    pub email_title: &'static str,
    /// Label.
    pub email_label: &'static str,
    /// Button.
    pub email_submit: &'static str,
    /// Title of the neutral page.
    pub closed_title: &'static str,
    /// Text of the neutral page.
    pub closed_text: &'static str,
    /// Title of a page that does not exist.
    pub not_found_title: &'static str,
    /// Error.
    pub error_form_expired: &'static str,
    /// Error.
    pub error_choose_invoice: &'static str,
    /// Error.
    pub error_reason_missing: &'static str,
    /// Error.
    pub error_reason_too_long: &'static str,
    /// Error.
    pub error_date_missing: &'static str,
    /// Error.
    pub error_instalments: &'static str,
    /// Error.
    pub error_email: &'static str,
    /// Error.
    pub error_already_disputed: &'static str,
    /// Error.
    pub error_closed_invoice: &'static str,
    /// Error.
    pub error_not_offered: &'static str,
    /// Error.
    pub error_generic: &'static str,
    /// Title of the page after a request.
    pub received_title: &'static str,
    /// Request kind.
    pub kind_dispute: &'static str,
    /// Request kind.
    pub kind_promise: &'static str,
    /// Request kind.
    pub kind_plan: &'static str,
    /// Request kind.
    pub kind_extension: &'static str,
    /// Request kind.
    pub kind_email: &'static str,
    /// Request state.
    pub state_applied: &'static str,
    /// Request state.
    pub state_pending: &'static str,
    /// Request state.
    pub state_approved: &'static str,
    /// Request state.
    pub state_rejected: &'static str,
    /// Title after a dispute.
    pub done_dispute: &'static str,
    /// Title after a promise.
    pub done_promise: &'static str,
    /// Title after a plan took effect.
    pub done_plan: &'static str,
    /// Text after a plan took effect.
    pub done_plan_text: &'static str,
    /// Title after an extension took effect.
    pub done_extension: &'static str,
    /// Title after an email change.
    pub done_email: &'static str,
    /// Text after an email change.
    pub done_email_text: &'static str,
    /// Text after a rejection.
    pub rejected_text: &'static str,
    /// Label of the creditor's note.
    pub creditor_note: &'static str,
    /// Title of the rate-limit page.
    pub too_many_title: &'static str,
    /// Text of the rate-limit page.
    pub too_many_text: &'static str,
}

impl Texts {
    /// The page title of the overview.
    pub fn overview_title(&self, creditor: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Laskusi – {creditor}"),
            Lang::Sv => format!("Dina fakturor – {creditor}"),
            Lang::En => format!("Your invoices – {creditor}"),
        }
    }

    /// The introduction of the overview.
    pub fn intro(&self, creditor: &str) -> String {
        match self.lang {
            Lang::Fi => format!(
                "Tällä sivulla näet, mitä {creditor} laskuttaa sinulta. Voit maksaa laskut, tehdä huomautuksen tai sopia maksuajasta."
            ),
            Lang::Sv => format!(
                "Här ser du vad {creditor} fakturerar dig. Du kan betala fakturorna, göra en anmärkning eller komma överens om betalningstiden."
            ),
            Lang::En => format!(
                "This page shows what {creditor} is asking you to pay. You can pay, dispute an invoice or arrange more time to pay."
            ),
        }
    }

    /// The greeting line.
    pub fn customer(&self, name: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Asiakas: {name}"),
            Lang::Sv => format!("Kund: {name}"),
            Lang::En => format!("Customer: {name}"),
        }
    }

    /// The state of an invoice with a promise to pay.
    pub fn promised(&self, date: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Lupasit maksaa viimeistään {date}"),
            Lang::Sv => format!("Du har lovat betala senast {date}"),
            Lang::En => format!("You promised to pay by {date}"),
        }
    }

    /// The state of an invoice whose collection pauses.
    pub fn paused(&self, date: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Maksuaikaa {date} asti"),
            Lang::Sv => format!("Betalningstid till {date}"),
            Lang::En => format!("More time to pay until {date}"),
        }
    }

    /// The payment details heading of one invoice.
    pub fn pay_invoice(&self, number: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Lasku {number}"),
            Lang::Sv => format!("Faktura {number}"),
            Lang::En => format!("Invoice {number}"),
        }
    }

    /// The text alternative of an invoice's QR code.
    pub fn qr_alt(&self, number: &str) -> String {
        match self.lang {
            Lang::Fi => format!("EPC-QR-koodi laskun {number} maksamiseen"),
            Lang::Sv => format!("EPC QR-kod för betalning av faktura {number}"),
            Lang::En => format!("EPC QR code for paying invoice {number}"),
        }
    }

    /// The help of the promise action.
    pub fn promise_help(&self, days: u32) -> String {
        match self.lang {
            Lang::Fi => format!(
                "Voit luvata maksaa enintään {days} päivän kuluessa. Emme lähetä muistutuksia sitä ennen."
            ),
            Lang::Sv => format!(
                "Du kan lova att betala inom högst {days} dagar. Vi skickar inga påminnelser före det."
            ),
            Lang::En => format!(
                "You can promise to pay within {days} days. We will not send reminders before then."
            ),
        }
    }

    /// The help of the plan action.
    pub fn plan_help(&self, max: u32, min: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Maksa enintään {max} kuukausierässä, kukin vähintään {min}."),
            Lang::Sv => format!("Betala i högst {max} månadsrater på minst {min} vardera."),
            Lang::En => format!("Pay in up to {max} monthly instalments of at least {min} each."),
        }
    }

    /// The help of the extension action.
    pub fn extension_help(&self, days: u32) -> String {
        match self.lang {
            Lang::Fi => format!("Voit pyytää enintään {days} päivää lisää maksuaikaa."),
            Lang::Sv => format!("Du kan be om högst {days} dagar mer betalningstid."),
            Lang::En => format!("You can ask for up to {days} more days to pay."),
        }
    }

    /// The help of the email action.
    pub fn email_help(&self, email: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Lähetämme viestit tällä hetkellä osoitteeseen {email}."),
            Lang::Sv => format!("Just nu skickar vi meddelanden till {email}."),
            Lang::En => format!("We currently send messages to {email}."),
        }
    }

    /// What a plan or extension costs.
    pub fn fee_of(&self, fee: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Käsittelymaksu {fee}."),
            Lang::Sv => format!("Handläggningsavgift {fee}."),
            Lang::En => format!("Handling fee {fee}."),
        }
    }

    /// The latest date a form accepts.
    pub fn latest(&self, date: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Viimeistään {date}."),
            Lang::Sv => format!("Senast {date}."),
            Lang::En => format!("No later than {date}."),
        }
    }

    /// What a plan covers.
    pub fn plan_covers(&self, owed: &str) -> String {
        match self.lang {
            Lang::Fi => format!(
                "Suunnitelma kattaa kaikki avoimet laskut, joista et ole tehnyt huomautusta: yhteensä {owed} tänään."
            ),
            Lang::Sv => format!(
                "Planen omfattar alla öppna fakturor som du inte har gjort anmärkning mot: totalt {owed} i dag."
            ),
            Lang::En => format!(
                "The plan covers every open invoice you have not disputed: {owed} in total today."
            ),
        }
    }

    /// One choice of the number of instalments.
    pub fn instalment_option(&self, count: u32, each: &str) -> String {
        match self.lang {
            Lang::Fi => format!("{count} erää, noin {each} kuukaudessa"),
            Lang::Sv => format!("{count} rater, cirka {each} i månaden"),
            Lang::En => format!("{count} instalments, about {each} a month"),
        }
    }

    /// One invoice to choose on the extension form.
    pub fn extension_option(&self, number: &str, latest: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Lasku {number}, uusi eräpäivä viimeistään {latest}"),
            Lang::Sv => format!("Faktura {number}, ny förfallodag senast {latest}"),
            Lang::En => format!("Invoice {number}, new due date {latest} at the latest"),
        }
    }

    /// One invoice to choose on the dispute and promise forms.
    pub fn invoice_option(&self, number: &str, total: &str, due: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Lasku {number}, {total}, eräpäivä {due}"),
            Lang::Sv => format!("Faktura {number}, {total}, förfallodag {due}"),
            Lang::En => format!("Invoice {number}, {total}, due {due}"),
        }
    }

    /// An error for a date outside the allowed days.
    pub fn error_date_range(&self, first: &str, last: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Valitse päivä väliltä {first}–{last}."),
            Lang::Sv => format!("Välj en dag mellan {first} och {last}."),
            Lang::En => format!("Choose a date from {first} to {last}."),
        }
    }

    /// The contact line.
    pub fn contact(&self, creditor: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Ota yhteyttä: {creditor}"),
            Lang::Sv => format!("Kontakta {creditor}"),
            Lang::En => format!("Contact {creditor}"),
        }
    }

    /// The footer's line on who provides the page.
    pub fn provided_by(&self, creditor: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Tämän sivun tarjoaa {creditor}."),
            Lang::Sv => format!("Sidan tillhandahålls av {creditor}."),
            Lang::En => format!("This page is provided by {creditor}."),
        }
    }

    /// The text after a dispute.
    pub fn done_dispute_text(&self, creditor: &str) -> String {
        match self.lang {
            Lang::Fi => format!(
                "Laskun perintä on keskeytetty, kunnes {creditor} on käsitellyt huomautuksesi."
            ),
            Lang::Sv => format!(
                "Indrivningen av fakturan har avbrutits tills {creditor} har behandlat din anmärkning."
            ),
            Lang::En => format!(
                "Collection of the invoice has stopped until {creditor} has reviewed your dispute."
            ),
        }
    }

    /// The text after a promise.
    pub fn done_promise_text(&self, date: &str) -> String {
        match self.lang {
            Lang::Fi => format!(
                "Emme lähetä muistutuksia ennen kuin {date} on ohi. Muistathan maksaa viimeistään silloin."
            ),
            Lang::Sv => format!(
                "Vi skickar inga påminnelser förrän {date} har passerat. Kom ihåg att betala senast då."
            ),
            Lang::En => {
                format!("We will not send reminders until {date} has passed. Please pay by then.")
            }
        }
    }

    /// The text while a request waits for the creditor.
    pub fn pending_text(&self, creditor: &str) -> String {
        match self.lang {
            Lang::Fi => format!(
                "{creditor} käsittelee pyyntösi. Näet vastauksen tältä sivulta, kun avaat linkin uudelleen."
            ),
            Lang::Sv => format!(
                "{creditor} behandlar din begäran. Du ser svaret på den här sidan när du öppnar länken igen."
            ),
            Lang::En => format!(
                "{creditor} will review your request. You will see the answer on this page when you open the link again."
            ),
        }
    }

    /// The text after an extension took effect.
    pub fn done_extension_text(&self, date: &str) -> String {
        match self.lang {
            Lang::Fi => format!("Uusi eräpäivä on {date}."),
            Lang::Sv => format!("Den nya förfallodagen är {date}."),
            Lang::En => format!("The new due date is {date}."),
        }
    }

    /// The title after a rejection.
    pub fn rejected_title(&self, creditor: &str) -> String {
        match self.lang {
            Lang::Fi => format!("{creditor} ei hyväksynyt pyyntöäsi"),
            Lang::Sv => format!("{creditor} godkände inte din begäran"),
            Lang::En => format!("{creditor} did not accept your request"),
        }
    }

    /// One line of the request history.
    pub fn request_line(&self, date: &str, kind: &str, state: &str) -> String {
        format!("{date}: {kind} – {state}")
    }
}

/// Finnish.
pub static FI: Texts = Texts {
    lang: Lang::Fi,
    language: "Kieli",
    skip_to_content: "Siirry sisältöön",
    open_invoices: "Avoimet laskusi",
    nothing_owed: "Sinulla ei ole avoimia laskuja. Kiitos!",
    invoice: "Lasku",
    due_date: "Eräpäivä",
    principal: "Pääoma",
    interest: "Viivästyskorko",
    fees: "Kulut",
    total: "Yhteensä",
    total_to_pay: "Maksettavaa yhteensä",
    overdue: "Erääntynyt",
    disputed: "Huomautus käsittelyssä",
    in_plan: "Maksusuunnitelmassa",
    interest_note: "Viivästyskorko on laskettu tähän päivään asti, ja sitä kertyy, kunnes lasku on maksettu.",
    payment_details: "Maksutiedot",
    pay_separately: "Maksa jokainen lasku omalla viitenumerollaan.",
    payee: "Saaja",
    iban: "Tilinumero (IBAN)",
    bic: "BIC",
    reference: "Viitenumero",
    amount: "Summa",
    barcode: "Virtuaaliviivakoodi",
    barcode_help: "Kopioi viivakoodi verkkopankin maksulomakkeelle, niin tiedot täyttyvät valmiiksi.",
    copy: "Kopioi",
    copied: "Kopioitu",
    qr_help: "Voit myös lukea koodin pankkisovelluksella.",
    what_to_do: "Tarvitsetko apua?",
    action_dispute: "Tee huomautus laskusta",
    action_dispute_help: "Jos lasku on mielestäsi virheellinen, sen perintä keskeytetään, kunnes asia on selvitetty.",
    action_promise: "Kerro, milloin maksat",
    action_plan: "Pyydä maksusuunnitelmaa",
    action_extension: "Pyydä lisää maksuaikaa",
    action_email: "Korjaa sähköpostiosoitteesi",
    creditor_decides: "Velkoja käsittelee pyynnön ja vastaa tällä sivulla.",
    your_requests: "Pyyntösi",
    questions: "Kysyttävää?",
    do_not_share: "Älä jaa tätä linkkiä muille, sillä sen avulla näkee tietosi.",
    back: "Takaisin laskuihin",
    fix_these: "Korjaa seuraavat kohdat:",
    dispute_title: "Huomautus laskusta",
    dispute_invoice: "Mitä laskua huomautus koskee?",
    dispute_reason: "Kerro lyhyesti, mikä laskussa on mielestäsi väärin",
    dispute_reason_help: "Enintään 2 000 merkkiä.",
    dispute_submit: "Lähetä huomautus",
    promise_title: "Maksulupaus",
    promise_invoice: "Mitä laskua lupaus koskee?",
    all_overdue: "Kaikki erääntyneet laskut",
    promise_date: "Maksupäivä",
    promise_submit: "Lähetä maksulupaus",
    plan_title: "Maksusuunnitelma",
    plan_count: "Erien määrä",
    plan_first: "Ensimmäisen erän eräpäivä",
    plan_monthly: "Seuraavat erät erääntyvät kuukauden välein.",
    request_submit: "Lähetä pyyntö",
    extension_title: "Lisää maksuaikaa",
    extension_invoice: "Mihin laskuun tarvitset lisää aikaa?",
    extension_date: "Uusi eräpäivä",
    extension_interest: "Viivästyskorkoa kertyy edelleen alkuperäisestä eräpäivästä lähtien.",
    email_title: "Sähköpostiosoite",
    email_label: "Uusi sähköpostiosoite",
    email_submit: "Tallenna osoite",
    closed_title: "Linkki ei ole voimassa",
    closed_text: "Linkki on vanhentunut, tai sitä ei ole olemassa.",
    not_found_title: "Sivua ei löydy",
    error_form_expired: "Lomake on vanhentunut. Tarkista tiedot ja lähetä lomake uudelleen.",
    error_choose_invoice: "Valitse lasku luettelosta.",
    error_reason_missing: "Kirjoita lyhyt perustelu.",
    error_reason_too_long: "Perustelu on liian pitkä. Lyhennä se enintään 2 000 merkkiin.",
    error_date_missing: "Anna päivämäärä, esimerkiksi 31.3.2026.",
    error_instalments: "Valitse erien määrä luettelosta.",
    error_email: "Tarkista sähköpostiosoite, esimerkiksi nimi@esimerkki.fi.",
    error_already_disputed: "Laskusta on jo tehty huomautus.",
    error_closed_invoice: "Lasku on jo maksettu tai suljettu.",
    error_not_offered: "Tämä ei ole nyt mahdollista tällä sivulla. Ota yhteyttä velkojaan.",
    error_generic: "Pyyntöä ei voitu käsitellä. Yritä uudelleen tai ota yhteyttä velkojaan.",
    received_title: "Pyyntösi on vastaanotettu",
    kind_dispute: "Huomautus",
    kind_promise: "Maksulupaus",
    kind_plan: "Maksusuunnitelma",
    kind_extension: "Lisää maksuaikaa",
    kind_email: "Sähköpostiosoitteen korjaus",
    state_applied: "voimassa",
    state_pending: "odottaa käsittelyä",
    state_approved: "hyväksytty",
    state_rejected: "ei hyväksytty",
    done_dispute: "Huomautuksesi on vastaanotettu",
    done_promise: "Kiitos maksulupauksesta",
    done_plan: "Maksusuunnitelma on voimassa",
    done_plan_text: "Lähetämme vahvistuksen erineen sähköpostiisi.",
    done_extension: "Maksuaikaa on pidennetty",
    done_email: "Sähköpostiosoite on päivitetty",
    done_email_text: "Lähetämme viestit jatkossa uuteen osoitteeseen.",
    rejected_text: "Maksa lasku tai ota yhteyttä velkojaan.",
    creditor_note: "Velkojan viesti:",
    too_many_title: "Liian monta pyyntöä",
    too_many_text: "Odota hetki ja yritä sitten uudelleen.",
};

/// Swedish, as written in Finland.
pub static SV: Texts = Texts {
    lang: Lang::Sv,
    language: "Språk",
    skip_to_content: "Hoppa till innehållet",
    open_invoices: "Dina öppna fakturor",
    nothing_owed: "Du har inga öppna fakturor. Tack!",
    invoice: "Faktura",
    due_date: "Förfallodag",
    principal: "Kapital",
    interest: "Dröjsmålsränta",
    fees: "Avgifter",
    total: "Totalt",
    total_to_pay: "Att betala totalt",
    overdue: "Förfallen",
    disputed: "Anmärkningen behandlas",
    in_plan: "I en betalningsplan",
    interest_note: "Dröjsmålsräntan är beräknad till i dag och löper tills fakturan är betald.",
    payment_details: "Betalningsuppgifter",
    pay_separately: "Betala varje faktura med dess eget referensnummer.",
    payee: "Mottagare",
    iban: "Kontonummer (IBAN)",
    bic: "BIC",
    reference: "Referensnummer",
    amount: "Belopp",
    barcode: "Virtuell streckkod",
    barcode_help: "Kopiera streckkoden till betalningsformuläret i nätbanken, så fylls uppgifterna i automatiskt.",
    copy: "Kopiera",
    copied: "Kopierad",
    qr_help: "Du kan också läsa koden med bankappen.",
    what_to_do: "Behöver du hjälp?",
    action_dispute: "Gör en anmärkning mot en faktura",
    action_dispute_help: "Om du anser att fakturan är felaktig avbryts indrivningen tills saken är utredd.",
    action_promise: "Meddela när du betalar",
    action_plan: "Be om en betalningsplan",
    action_extension: "Be om mer betalningstid",
    action_email: "Rätta din e-postadress",
    creditor_decides: "Borgenären behandlar begäran och svarar på den här sidan.",
    your_requests: "Dina begäranden",
    questions: "Har du frågor?",
    do_not_share: "Dela inte länken med andra, eftersom den visar dina uppgifter.",
    back: "Tillbaka till fakturorna",
    fix_these: "Rätta följande:",
    dispute_title: "Anmärkning mot faktura",
    dispute_invoice: "Vilken faktura gäller anmärkningen?",
    dispute_reason: "Berätta kort vad du anser är fel i fakturan",
    dispute_reason_help: "Högst 2 000 tecken.",
    dispute_submit: "Skicka anmärkningen",
    promise_title: "Betalningslöfte",
    promise_invoice: "Vilken faktura gäller löftet?",
    all_overdue: "Alla förfallna fakturor",
    promise_date: "Betalningsdag",
    promise_submit: "Skicka betalningslöftet",
    plan_title: "Betalningsplan",
    plan_count: "Antal rater",
    plan_first: "Förfallodag för första raten",
    plan_monthly: "De följande raterna förfaller med en månads mellanrum.",
    request_submit: "Skicka begäran",
    extension_title: "Mer betalningstid",
    extension_invoice: "För vilken faktura behöver du mer tid?",
    extension_date: "Ny förfallodag",
    extension_interest: "Dröjsmålsränta löper fortfarande från den ursprungliga förfallodagen.",
    email_title: "E-postadress",
    email_label: "Ny e-postadress",
    email_submit: "Spara adressen",
    closed_title: "Länken gäller inte",
    closed_text: "Länken har gått ut eller finns inte.",
    not_found_title: "Sidan finns inte",
    error_form_expired: "Formuläret har gått ut. Kontrollera uppgifterna och skicka formuläret igen.",
    error_choose_invoice: "Välj en faktura i listan.",
    error_reason_missing: "Skriv en kort motivering.",
    error_reason_too_long: "Motiveringen är för lång. Korta den till högst 2 000 tecken.",
    error_date_missing: "Ange ett datum, till exempel 31.3.2026.",
    error_instalments: "Välj antalet rater i listan.",
    error_email: "Kontrollera e-postadressen, till exempel namn@exempel.fi.",
    error_already_disputed: "Du har redan gjort en anmärkning mot fakturan.",
    error_closed_invoice: "Fakturan är redan betald eller avslutad.",
    error_not_offered: "Det här går inte att göra på sidan just nu. Kontakta borgenären.",
    error_generic: "Begäran kunde inte behandlas. Försök igen eller kontakta borgenären.",
    received_title: "Din begäran har tagits emot",
    kind_dispute: "Anmärkning",
    kind_promise: "Betalningslöfte",
    kind_plan: "Betalningsplan",
    kind_extension: "Mer betalningstid",
    kind_email: "Rättad e-postadress",
    state_applied: "gäller",
    state_pending: "väntar på behandling",
    state_approved: "godkänd",
    state_rejected: "inte godkänd",
    done_dispute: "Din anmärkning har tagits emot",
    done_promise: "Tack för ditt betalningslöfte",
    done_plan: "Betalningsplanen gäller",
    done_plan_text: "Vi skickar en bekräftelse med raterna till din e-post.",
    done_extension: "Betalningstiden har förlängts",
    done_email: "E-postadressen har uppdaterats",
    done_email_text: "Vi skickar i fortsättningen meddelanden till den nya adressen.",
    rejected_text: "Betala fakturan eller kontakta borgenären.",
    creditor_note: "Meddelande från borgenären:",
    too_many_title: "För många förfrågningar",
    too_many_text: "Vänta en stund och försök sedan igen.",
};

/// English.
pub static EN: Texts = Texts {
    lang: Lang::En,
    language: "Language",
    skip_to_content: "Skip to content",
    open_invoices: "Your open invoices",
    nothing_owed: "You have no open invoices. Thank you!",
    invoice: "Invoice",
    due_date: "Due date",
    principal: "Principal",
    interest: "Late-payment interest",
    fees: "Fees",
    total: "Total",
    total_to_pay: "Total to pay",
    overdue: "Overdue",
    disputed: "Dispute under review",
    in_plan: "In a payment plan",
    interest_note: "Late-payment interest is calculated to today and keeps accruing until the invoice is paid.",
    payment_details: "Payment details",
    pay_separately: "Pay each invoice with its own reference number.",
    payee: "Payee",
    iban: "Account number (IBAN)",
    bic: "BIC",
    reference: "Reference number",
    amount: "Amount",
    barcode: "Virtual bank barcode",
    barcode_help: "Paste the barcode into your online bank's payment form to fill in the details.",
    copy: "Copy",
    copied: "Copied",
    qr_help: "You can also scan the code with your banking app.",
    what_to_do: "Need help?",
    action_dispute: "Dispute an invoice",
    action_dispute_help: "If you think an invoice is wrong, collection of it stops until the matter is resolved.",
    action_promise: "Tell us when you will pay",
    action_plan: "Ask for a payment plan",
    action_extension: "Ask for more time to pay",
    action_email: "Correct your email address",
    creditor_decides: "The creditor will review your request and reply on this page.",
    your_requests: "Your requests",
    questions: "Questions?",
    do_not_share: "Please do not share this link, because it shows your details.",
    back: "Back to your invoices",
    fix_these: "Please correct the following:",
    dispute_title: "Dispute an invoice",
    dispute_invoice: "Which invoice do you dispute?",
    dispute_reason: "Tell us briefly what you think is wrong",
    dispute_reason_help: "At most 2,000 characters.",
    dispute_submit: "Send dispute",
    promise_title: "Promise to pay",
    promise_invoice: "Which invoice will you pay?",
    all_overdue: "All overdue invoices",
    promise_date: "Payment date",
    promise_submit: "Send promise",
    plan_title: "Payment plan",
    plan_count: "Number of instalments",
    plan_first: "Due date of the first instalment",
    plan_monthly: "The following instalments fall due a month apart.",
    request_submit: "Send request",
    extension_title: "More time to pay",
    extension_invoice: "Which invoice do you need more time for?",
    extension_date: "New due date",
    extension_interest: "Late-payment interest still runs from the original due date.",
    email_title: "Email address",
    email_label: "New email address",
    email_submit: "Save address",
    closed_title: "This link is not valid",
    closed_text: "The link has expired or does not exist.",
    not_found_title: "Page not found",
    error_form_expired: "The form has expired. Please check the details and send the form again.",
    error_choose_invoice: "Choose an invoice from the list.",
    error_reason_missing: "Please write a short reason.",
    error_reason_too_long: "The reason is too long. Please shorten it to 2,000 characters or fewer.",
    error_date_missing: "Enter a date, for example 2026-03-31.",
    error_instalments: "Choose the number of instalments from the list.",
    error_email: "Check the email address, for example name@example.com.",
    error_already_disputed: "You have already disputed this invoice.",
    error_closed_invoice: "This invoice is already paid or closed.",
    error_not_offered: "This is not available on this page at the moment. Please contact the creditor.",
    error_generic: "We could not process your request. Please try again or contact the creditor.",
    received_title: "We have received your request",
    kind_dispute: "Dispute",
    kind_promise: "Promise to pay",
    kind_plan: "Payment plan",
    kind_extension: "More time to pay",
    kind_email: "Email address correction",
    state_applied: "in effect",
    state_pending: "waiting for review",
    state_approved: "approved",
    state_rejected: "not accepted",
    done_dispute: "We have received your dispute",
    done_promise: "Thank you for your promise",
    done_plan: "Your payment plan is in place",
    done_plan_text: "We will email you a confirmation with the instalments.",
    done_extension: "You have more time to pay",
    done_email: "Your email address has been updated",
    done_email_text: "We will send future messages to the new address.",
    rejected_text: "Please pay the invoice or contact the creditor.",
    creditor_note: "Message from the creditor:",
    too_many_title: "Too many requests",
    too_many_text: "Please wait a moment and try again.",
};
