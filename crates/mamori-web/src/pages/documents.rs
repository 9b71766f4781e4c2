//! The basic policy, the security handbook and the security regulations in the portal: the
//! documents hub, the company parameters form, the editor with its live preview, approval and
//! issue, issued versions with their differences, downloads, the policy's public page, the
//! handbook's reading confirmations and the SECURITY ACTION declaration kit.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use mamori_model::Deed;
use mamori_policies::{
    Document, DocumentKind, Edits, Format, GenerateInput, Input, ParamDef, Params, PersonDetail,
    SectionEdit, Texts, diff, docx, html_body, html_page, outline, pdf,
};
use mamori_store::{Actor, DocumentVersion};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Deserialize;

use super::assessment::measure_error;
use super::{Done, Page, PageError, PageResult, Signed, public_base};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages};
use crate::measures::documents::{
    Built, Overrides, build, handbook_changes, issue, issued, latest_version, owner_problem,
    policy_facts, public_policy_url, stamped, texts,
};
use crate::measures::{MeasureError, org_readiness};
use crate::state::AppState;

/// A form whose field names are not known in advance (one per parameter or section).
type FieldMap = BTreeMap<String, String>;

fn kind_of(text: &str) -> Option<DocumentKind> {
    text.parse().ok()
}

fn format_of(text: &str) -> Option<Format> {
    text.parse().ok()
}

/// Answers with a document file; HTML carries its own styles and runs no script.
fn file_response(bytes: Vec<u8>, format: Format, name: &str, sha256: Option<&str>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let disposition = match format {
        Format::Html => "inline",
        Format::Pdf | Format::Docx => "attachment",
    };
    let file = format!("{name}.{}", format.extension());
    if let Ok(value) = HeaderValue::from_str(&format!("{disposition}; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
        ),
    );
    if let Some(value) = sha256.and_then(|s| HeaderValue::from_str(s).ok()) {
        headers.insert("x-content-sha256", value);
    }
    response
}

/// Writes `doc` in `format`; PDF needs the server's renderer.
async fn render_file(
    state: &AppState,
    doc: Document,
    format: Format,
) -> Result<Vec<u8>, MeasureError> {
    match format {
        Format::Html => Ok(html_page(&doc)?.into_bytes()),
        Format::Docx => Ok(docx(&doc)?),
        Format::Pdf => {
            let reporter = state
                .reports
                .clone()
                .ok_or_else(|| MeasureError::Broken("this server has no PDF renderer".into()))?;
            tokio::task::spawn_blocking(move || pdf(reporter.renderer(), &doc))
                .await
                .map_err(|e| MeasureError::Broken(e.to_string()))?
                .map_err(Into::into)
        }
    }
}

/// The documents hub: each document's state, what is missing, and the way to SECURITY ACTION.
pub async fn hub(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let gathered = async {
        let mut cards = Vec::new();
        for kind in DocumentKind::ALL {
            let built = build(&org, kind, page.lang, Overrides::default()).await?;
            let latest = latest_version(&org, kind).await?;
            let missing = match &built.document {
                Err(e) => owner_problem(e, page.lang).map(|(m, _)| m),
                Ok(_) => None,
            };
            cards.push(context! {
                kind => kind.as_str(),
                latest => latest.map(|v| Value::from(Serde(v))),
                draft => built.draft.map(|d| Value::from(Serde(d))),
                missing => missing,
                has_assessment => built.has_assessment,
            });
        }
        let publication = org.documents().policy_publication().await?;
        let (readiness, _) = org_readiness(&org, &public_base(&page.state, &headers)).await?;
        Ok::<_, MeasureError>((cards, publication, readiness))
    }
    .await;
    let (cards, publication, readiness) = match gathered {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let base = public_base(&page.state, &headers);
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        cards => cards,
        publication => publication.as_ref().map(|p| Value::from(Serde(p))),
        public_url => publication.as_ref().map(|p| public_policy_url(&base, &p.slug)),
        readiness => Value::from(Serde(&readiness)),
        can_edit => viewer.user.may_in(Deed::EditDocuments, &id),
    };
    Ok(page.render(StatusCode::OK, "documents.html", ctx).await)
}

/// Query flags the pages show after an action.
#[derive(Deserialize, Default)]
pub struct Notice {
    saved: Option<String>,
    issued: Option<String>,
    approved: Option<String>,
    published: Option<String>,
}

async fn params_page(
    page: &Page,
    viewer: &Viewer,
    org_id: &str,
    status: StatusCode,
    values: &Params,
    error: Option<String>,
    saved: bool,
) -> PageResult {
    let lang = page.lang;
    let org = page.org_store(org_id).await?;
    let texts = match texts() {
        Ok(t) => t,
        Err(e) => return Err(PageError::from(measure_error(page, e).await)),
    };
    let groups: Vec<Value> = ["company", "roles", "handbook", "regulations"]
        .into_iter()
        .map(|group| {
            let fields: Vec<Value> = texts
                .params
                .iter()
                .filter(|p| serde_json::to_value(p.group).ok().and_then(|v| v.as_str().map(str::to_owned)).as_deref() == Some(group))
                .map(|p| {
                    context! {
                        key => p.key.clone(),
                        label => p.label.get(lang),
                        help => p.help.get(lang),
                        input => match p.input {
                            Input::Text => "text",
                            Input::Person => "person",
                            Input::Date => "date",
                            Input::Number => "number",
                            Input::Choice => "choice",
                        },
                        required => p.required,
                        value => values.get(&p.key).map(str::to_owned).or_else(|| p.default.clone()).unwrap_or_default(),
                        kinds => p.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                        choices => p.choices.iter().map(|c| context! { value => c.value.clone(), label => c.label.get(lang) }).collect::<Vec<_>>(),
                        details => person_details(texts, p, values, lang),
                    }
                })
                .collect();
            context! { id => group, fields => fields }
        })
        .collect();
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        groups => groups,
        error => error,
        saved => saved,
        can_edit => viewer.user.may_in(Deed::EditDocuments, org_id),
    };
    Ok(page.render(status, "documents_params.html", ctx).await)
}

/// A person parameter's department and contact fields; none for other inputs.
fn person_details(texts: &Texts, param: &ParamDef, values: &Params, lang: Lang) -> Vec<Value> {
    if param.input != Input::Person {
        return Vec::new();
    }
    PersonDetail::ALL
        .into_iter()
        .map(|d| {
            let key = d.key(&param.key);
            context! {
                label => d.label(&texts.labels).get(lang),
                value => values.get(&key).unwrap_or_default(),
                key => key,
            }
        })
        .collect()
}

/// `GET /orgs/{id}/documents/params`.
pub async fn params_form(
    Signed(page, viewer): Signed,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let values = match org.documents().params().await {
        Ok(v) => Params(v),
        Err(e) => return Err(PageError::from(e)),
    };
    params_page(
        &page,
        &viewer,
        &id,
        StatusCode::OK,
        &values,
        None,
        notice.saved.is_some(),
    )
    .await
}

/// `POST /orgs/{id}/documents/params`: saves the parameters; values in the wrong shape are
/// refused with every problem named, and nothing typed is lost.
pub async fn params_submit(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<FieldMap>,
) -> PageResult {
    let csrf = form.get("csrf").cloned().unwrap_or_default();
    let org = page.authorise_org(&id, Deed::EditDocuments, &csrf).await?;
    let texts = match texts() {
        Ok(t) => t,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let mut values = Params::default();
    for key in texts.settable_keys() {
        if let Some(v) = form.get(&key) {
            values.set(&key, v);
        }
    }
    let problems = mamori_policies::check_values(texts, &values);
    if !problems.is_empty() {
        let message = problems.describe(texts, page.lang);
        return params_page(
            &page,
            &viewer,
            &id,
            StatusCode::UNPROCESSABLE_ENTITY,
            &values,
            Some(message),
            false,
        )
        .await;
    }
    match org
        .documents()
        .save_params(&Actor::user(&viewer.user, Some(addr)), &values.0)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}/documents/params?saved=1")).into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}

/// The owner's edits from the editor form: `include.<id>`, `text.<id>`, `replace.<id>`,
/// `reason.<id>` and `clause.<id>.<n>`.
fn edits_from(form: &FieldMap, kind: DocumentKind) -> Result<Edits, MeasureError> {
    let mut edits = Edits::default();
    for s in outline(texts()?, kind, Lang::Ja) {
        let edit = SectionEdit {
            included: s
                .removable
                .then(|| form.contains_key(&format!("include.{}", s.id))),
            text: form
                .get(&format!("text.{}", s.id))
                .cloned()
                .unwrap_or_default(),
            replace: form.contains_key(&format!("replace.{}", s.id)),
            reason: form
                .get(&format!("reason.{}", s.id))
                .map(|r| r.trim().to_owned())
                .unwrap_or_default(),
            clauses: (1..=s.clauses)
                .filter_map(|n| {
                    let own = form.get(&format!("clause.{}.{n}", s.id))?.trim();
                    (!own.is_empty()).then(|| (n, own.to_owned()))
                })
                .collect(),
        };
        edits.0.insert(s.id, edit);
    }
    Ok(edits.compact())
}

fn lang_from(form: &FieldMap) -> Option<Lang> {
    form.get("doc_lang").and_then(|l| l.parse().ok())
}

/// The editor with the draft, preview and versions; `error` and `notice` say what the last
/// action did. Every caller has all eight values at hand, so they are passed as they are.
#[allow(clippy::too_many_arguments)]
async fn editor_page(
    page: &Page,
    viewer: &Viewer,
    headers: &HeaderMap,
    org_id: &str,
    kind: DocumentKind,
    status: StatusCode,
    error: Option<String>,
    notice: Notice,
) -> PageResult {
    let state = &page.state;
    let org = page.org_store(org_id).await?;
    let gathered = async {
        let built = build(&org, kind, page.lang, Overrides::default()).await?;
        let versions = org.documents().versions(kind.as_str()).await?;
        let publication = match kind {
            DocumentKind::Policy => org.documents().policy_publication().await?,
            _ => None,
        };
        let changes = match (kind, &built.document) {
            (DocumentKind::Handbook, Ok(draft)) => handbook_changes(&org, draft).await?,
            _ => None,
        };
        Ok::<_, MeasureError>((built, versions, publication, changes))
    }
    .await;
    let (built, versions, publication, changes) = match gathered {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(measure_error(page, e).await)),
    };
    let Built {
        document,
        draft,
        edits,
        params,
        lang: doc_lang,
        has_assessment,
    } = built;
    let texts = match texts() {
        Ok(t) => t,
        Err(e) => return Err(PageError::from(measure_error(page, e).await)),
    };
    // The clauses as the parameters word them, beside the owner's rewording; only the
    // regulations are reworded clause by clause.
    let unedited = matches!(kind, DocumentKind::Regulations).then(|| {
        mamori_policies::generate(GenerateInput {
            texts,
            kind,
            lang: doc_lang,
            company: &org.org().name,
            params: &params,
            answers: None,
            edits: &Edits::default(),
            desk: None,
        })
    });
    let generated: BTreeMap<&str, &[String]> = unedited
        .as_ref()
        .and_then(|result| result.as_ref().ok())
        .map(|doc| {
            doc.walk()
                .into_iter()
                .filter(|(_, s)| s.ordered)
                .map(|(_, s)| (s.id.as_str(), s.items.as_slice()))
                .collect()
        })
        .unwrap_or_default();
    let sections: Vec<Value> = outline(texts, kind, page.lang)
        .into_iter()
        .map(|s| {
            let edit = edits.get(&s.id).cloned().unwrap_or_default();
            let wording = generated.get(s.id.as_str()).copied().unwrap_or_default();
            let clauses: Vec<Value> = (1..=s.clauses)
                .map(|n| {
                    context! {
                        n => n,
                        generated => wording.get(n - 1).cloned().unwrap_or_default(),
                        text => edit.clauses.get(&n).cloned().unwrap_or_default(),
                    }
                })
                .collect();
            context! {
                id => s.id.clone(),
                heading => s.heading,
                depth => s.depth,
                removable => s.removable,
                included => edit.included.unwrap_or(s.included_by_default),
                needs_reason => s.needs_reason,
                reason => edit.reason,
                clauses => clauses,
                edited => !edit.text.is_empty() || !edit.clauses.is_empty(),
                text => edit.text,
                replace => edit.replace,
            }
        })
        .collect();
    let (preview, missing, unexplained) = match &document {
        Ok(doc) => (html_body(doc).unwrap_or_default(), None, None),
        Err(e) => match owner_problem(e, page.lang) {
            Some((message, true)) => (String::new(), Some(message), None),
            Some((message, false)) => (String::new(), None, Some(message)),
            None => {
                return Err(PageError::from(
                    measure_error(page, MeasureError::Broken(e.to_string())).await,
                ));
            }
        },
    };
    let base = public_base(state, headers);
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        kind => kind.as_str(),
        sections => sections,
        preview => Value::from_safe_string(preview),
        missing => missing,
        unexplained => unexplained,
        doc_lang => doc_lang.code(),
        draft => draft.map(|d| Value::from(Serde(d))),
        versions => Value::from(Serde(&versions)),
        publication => publication.as_ref().map(|p| Value::from(Serde(p))),
        public_url => publication.as_ref().map(|p| public_policy_url(&base, &p.slug)),
        suggested_slug => suggested_slug(&org.org().name, org_id),
        has_assessment => has_assessment,
        changed_since => changes.as_ref().map(|(version, _)| *version),
        rule_changes => changes.map(|(_, c)| Value::from(Serde(c))),
        can_edit => viewer.user.may_in(Deed::EditDocuments, org_id),
        approver => viewer.user.display_name.clone(),
        error => error,
        saved => notice.saved.is_some(),
        issued => notice.issued,
        approved => notice.approved.is_some(),
        published => notice.published.is_some(),
    };
    Ok(page.render(status, "document_editor.html", ctx).await)
}

/// A first proposal for the public address: the company name if it is plain ASCII, otherwise
/// `org-` and the start of the organisation id.
fn suggested_slug(name: &str, org_id: &str) -> String {
    let ascii: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let ascii = ascii
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if name.is_ascii() && mamori_store::valid_slug(&ascii) {
        ascii
    } else {
        let tail: String = org_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .rev()
            .take(8)
            .collect();
        format!("org-{}", tail.to_ascii_lowercase())
    }
}

/// `GET /orgs/{id}/documents/{kind}`: the editor (owners and provider staff) or, for staff,
/// the issued document to read.
pub async fn editor(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    Path((id, kind)): Path<(String, String)>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let Some(kind) = kind_of(&kind) else {
        return Err(PageError::NotFound);
    };
    if !viewer.user.may_in(Deed::EditDocuments, &id) {
        return read_page(&page, &viewer, &id, kind).await;
    }
    editor_page(
        &page,
        &viewer,
        &headers,
        &id,
        kind,
        StatusCode::OK,
        None,
        notice,
    )
    .await
}

/// `POST /orgs/{id}/documents/{kind}`: saves the draft's edits and language.
pub async fn save(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, kind)): Path<(String, String)>,
    PageForm(form): PageForm<FieldMap>,
) -> PageResult {
    let Some(kind) = kind_of(&kind) else {
        return Err(PageError::NotFound);
    };
    let csrf = form.get("csrf").cloned().unwrap_or_default();
    let org = page.authorise_org(&id, Deed::EditDocuments, &csrf).await?;
    let edits = match edits_from(&form, kind) {
        Ok(e) => e,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let doc_lang = lang_from(&form).unwrap_or(page.lang);
    let json = serde_json::to_string(&edits).unwrap_or_else(|_| "{}".into());
    match org
        .documents()
        .save_draft(
            &Actor::user(&viewer.user, Some(addr)),
            kind.as_str(),
            if doc_lang == Lang::En { "en" } else { "ja" },
            &json,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}/documents/{kind}?saved=1")).into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}

/// `POST /orgs/{id}/documents/{kind}/preview`: the document as the unsaved form would make
/// it, as an HTML fragment for the live preview.
pub async fn preview(
    Signed(page, _viewer): Signed,
    Path((id, kind)): Path<(String, String)>,
    PageForm(form): PageForm<FieldMap>,
) -> PageResult {
    let Some(kind) = kind_of(&kind) else {
        return Err(PageError::NotFound);
    };
    let csrf = form.get("csrf").cloned().unwrap_or_default();
    let org = page.authorise_org(&id, Deed::EditDocuments, &csrf).await?;
    let result = async {
        let overrides = Overrides {
            params: None,
            edits: Some(edits_from(&form, kind)?),
            lang: lang_from(&form),
        };
        let built = build(&org, kind, page.lang, overrides).await?;
        Ok::<_, MeasureError>(html_body(&built.document?)?)
    }
    .await;
    match result {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            let (status, _, message) = e.describe(page.lang);
            Ok((
                status,
                Html(format!(
                    "<p class=\"error\">{}</p>",
                    minijinja::HtmlEscape(&message)
                )),
            )
                .into_response())
        }
    }
}

/// The approval form.
#[derive(Deserialize)]
pub struct ApproveForm {
    csrf: String,
    #[serde(default)]
    approver: String,
    #[serde(default)]
    doc_lang: String,
}

/// `POST /orgs/{id}/documents/{kind}/approve`: records who approved the current draft.
pub async fn approve(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path((id, kind)): Path<(String, String)>,
    PageForm(form): PageForm<ApproveForm>,
) -> PageResult {
    let Some(kind) = kind_of(&kind) else {
        return Err(PageError::NotFound);
    };
    let org = page
        .authorise_org(&id, Deed::EditDocuments, &form.csrf)
        .await?;
    // Approving a draft that cannot be generated would approve nothing.
    let built = build(&org, kind, page.lang, Overrides::default()).await;
    match built.map(|b| b.document.map(|_| ())) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            let (status, _, message) = MeasureError::from(e).describe(page.lang);
            return editor_page(
                &page,
                &viewer,
                &headers,
                &id,
                kind,
                status,
                Some(message),
                Notice::default(),
            )
            .await;
        }
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    }
    let doc_lang = Lang::parse(&form.doc_lang).unwrap_or_default().code();
    match org
        .documents()
        .approve_draft(
            &Actor::user(&viewer.user, Some(addr)),
            kind.as_str(),
            doc_lang,
            &form.approver,
        )
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/orgs/{id}/documents/{kind}?approved=1")).into_response())
        }
        Err(e) => {
            let message = super::org::store_error_message(page.lang, &e);
            editor_page(
                &page,
                &viewer,
                &headers,
                &id,
                kind,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
                Notice::default(),
            )
            .await
        }
    }
}

/// `POST /orgs/{id}/documents/handbook/reissue`: after a new self-assessment, approves the
/// handbook as the answers now make it and issues it as the next version in one step.
pub async fn reissue_handbook(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<ApproveForm>,
) -> PageResult {
    let kind = DocumentKind::Handbook;
    let org = page
        .authorise_org(&id, Deed::EditDocuments, &form.csrf)
        .await?;
    let actor = Actor::user(&viewer.user, Some(addr));
    let result = async {
        let built = build(&org, kind, page.lang, Overrides::default()).await?;
        built.document?;
        org.documents()
            .approve_draft(&actor, kind.as_str(), built.lang.code(), &form.approver)
            .await?;
        issue(&org, &actor, kind).await
    }
    .await;
    after_issue(&page, &viewer, &headers, &id, kind, result).await
}

/// Where issuing lands: the editor announcing the new version, or the editor saying why
/// nothing was issued (a 404 when the document is not the caller's to see).
async fn after_issue(
    page: &Page,
    viewer: &Viewer,
    headers: &HeaderMap,
    id: &str,
    kind: DocumentKind,
    issued: Result<DocumentVersion, MeasureError>,
) -> PageResult {
    match issued {
        Ok(v) => Ok(
            Redirect::to(&format!("/orgs/{id}/documents/{kind}?issued={}", v.version))
                .into_response(),
        ),
        Err(e) => {
            let (status, _, message) = e.describe(page.lang);
            if status == StatusCode::NOT_FOUND {
                return Err(PageError::NotFound);
            }
            let notice = Notice::default();
            editor_page(
                page,
                viewer,
                headers,
                id,
                kind,
                status,
                Some(message),
                notice,
            )
            .await
        }
    }
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
}

/// `POST /orgs/{id}/documents/{kind}/issue`: issues the approved draft as the next version.
pub async fn issue_version(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path((id, kind)): Path<(String, String)>,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult {
    let Some(kind) = kind_of(&kind) else {
        return Err(PageError::NotFound);
    };
    let org = page
        .authorise_org(&id, Deed::EditDocuments, &form.csrf)
        .await?;
    let actor = Actor::user(&viewer.user, Some(addr));
    let issued = issue(&org, &actor, kind).await;
    after_issue(&page, &viewer, &headers, &id, kind, issued).await
}

/// Which version to compare with.
#[derive(Deserialize, Default)]
pub struct Against {
    against: Option<String>,
}

/// `GET /orgs/{id}/documents/{kind}/versions/{vid}`: an issued version, with its differences
/// from the previous one (or from `?against=`).
pub async fn version(
    Signed(page, _viewer): Signed,
    Path((id, kind, vid)): Path<(String, String, String)>,
    Query(against): Query<Against>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let Some(kind) = kind_of(&kind) else {
        return Err(PageError::NotFound);
    };
    let gathered = async {
        let versions = org.documents().versions(kind.as_str()).await?;
        let Some(pos) = versions.iter().position(|v| v.id == vid) else {
            return Err(MeasureError::Store(mamori_store::StoreError::NotFound));
        };
        let current = versions[pos].clone();
        let base = match &against.against {
            Some(other) => versions.iter().find(|v| &v.id == other).cloned(),
            None => versions.get(pos + 1).cloned(),
        };
        let doc = issued(&org, &current).await?;
        let changes = match &base {
            Some(b) => Some(diff(&issued(&org, b).await?, &doc)),
            None => None,
        };
        Ok((versions, current, base, doc, changes))
    }
    .await;
    let (versions, current, base, doc, changes) = match gathered {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        kind => kind.as_str(),
        version => Value::from(Serde(&current)),
        base => base.map(|b| Value::from(Serde(b))),
        versions => Value::from(Serde(&versions)),
        document => Value::from_safe_string(html_body(&doc).unwrap_or_default()),
        changes => changes.map(|c| Value::from(Serde(c))),
    };
    Ok(page
        .render(StatusCode::OK, "document_version.html", ctx)
        .await)
}

fn file_name(org: &str, kind: DocumentKind, version: Option<i64>) -> String {
    let org: String = org
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(20)
        .collect();
    match version {
        Some(v) => format!("{kind}-{org}-v{v}"),
        None => format!("{kind}-{org}-draft"),
    }
}

/// `GET /orgs/{id}/documents/{kind}/versions/{vid}/{format}`: an issued version as a file.
pub async fn version_file(
    Signed(page, _viewer): Signed,
    Path((id, kind, vid, format)): Path<(String, String, String, String)>,
) -> PageResult {
    let (Some(kind), Some(format)) = (kind_of(&kind), format_of(&format)) else {
        return Err(PageError::NotFound);
    };
    let org = page.org_store(&id).await?;
    let result = async {
        let version = org
            .documents()
            .version(&vid)
            .await?
            .filter(|v| v.kind == kind.as_str())
            .ok_or(MeasureError::Store(mamori_store::StoreError::NotFound))?;
        let doc = issued(&org, &version).await?;
        let bytes = render_file(&page.state, doc, format).await?;
        Ok::<_, MeasureError>((bytes, version))
    }
    .await;
    match result {
        Ok((bytes, v)) => Ok(file_response(
            bytes,
            format,
            &file_name(&v.org_id, kind, Some(v.version)),
            Some(&v.sha256),
        )),
        Err(e) => Err(PageError::from(measure_error(&page, e).await)),
    }
}

/// `GET /orgs/{id}/documents/{kind}/draft/{format}`: the current draft as a file (to review
/// or keep editing in Word before issuing).
pub async fn draft_file(
    Signed(page, viewer): Signed,
    Path((id, kind, format)): Path<(String, String, String)>,
) -> PageResult {
    let (Some(kind), Some(format)) = (kind_of(&kind), format_of(&format)) else {
        return Err(PageError::NotFound);
    };
    let org = page.org_store(&id).await?;
    if !viewer.user.may_in(Deed::EditDocuments, &id) {
        return Err(PageError::NotFound);
    }
    let result = async {
        let built = build(&org, kind, page.lang, Overrides::default()).await?;
        render_file(&page.state, built.document?, format).await
    }
    .await;
    match result {
        Ok(bytes) => Ok(file_response(
            bytes,
            format,
            &file_name(&id, kind, None),
            None,
        )),
        Err(e) => Err(PageError::from(measure_error(&page, e).await)),
    }
}

/// The publish form.
#[derive(Deserialize)]
pub struct PublishForm {
    csrf: String,
    #[serde(default)]
    slug: String,
}

/// `POST /orgs/{id}/documents/policy/publish`: puts the issued policy online.
pub async fn publish(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<PublishForm>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::EditDocuments, &form.csrf)
        .await?;
    let slug = form.slug.trim().to_ascii_lowercase();
    match org
        .documents()
        .publish_policy(&Actor::user(&viewer.user, Some(addr)), &slug)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/orgs/{id}/documents/policy?published=1")).into_response())
        }
        Err(mamori_store::StoreError::NotFound) => Err(PageError::NotFound),
        Err(e) => {
            let message = super::org::store_error_message(page.lang, &e);
            editor_page(
                &page,
                &viewer,
                &headers,
                &id,
                DocumentKind::Policy,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
                Notice::default(),
            )
            .await
        }
    }
}

/// `POST /orgs/{id}/documents/policy/unpublish`: takes the public page offline.
pub async fn unpublish(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::EditDocuments, &form.csrf)
        .await?;
    match org
        .documents()
        .unpublish_policy(&Actor::user(&viewer.user, Some(addr)))
        .await
    {
        Ok(()) => Ok(Done::PolicyWithdrawn.redirect(&format!("/orgs/{id}/documents/policy"))),
        Err(e) => Err(PageError::from(e)),
    }
}

/// `GET /public/{slug}/policy`: the issued basic policy for anyone, without signing in.
/// Only the policy's text is reachable here; everything else stays behind the login.
pub async fn public_policy(page: Page, Path(slug): Path<String>) -> PageResult {
    let not_published = || async {
        page.message(
            StatusCode::NOT_FOUND,
            "documents.public.missing_title",
            page.lang.t("documents.public.missing_body"),
        )
        .await
    };
    if !mamori_store::valid_slug(&slug) {
        return Err(PageError::from(not_published().await));
    }
    match page.state.store.public_policy(&slug).await {
        Ok(Some((content, version))) => {
            match stamped(&content, &version).and_then(|d| Ok(html_page(&d)?)) {
                Ok(html) => Ok(file_response(
                    html.into_bytes(),
                    Format::Html,
                    "policy",
                    Some(&version.sha256),
                )),
                Err(e) => Err(PageError::from(measure_error(&page, e).await)),
            }
        }
        Ok(None) => Err(PageError::from(not_published().await)),
        Err(e) => Err(PageError::from(e)),
    }
}

/// What a staff member sees: the latest issued document, and for the handbook a button to
/// confirm they read it.
async fn read_page(page: &Page, viewer: &Viewer, org_id: &str, kind: DocumentKind) -> PageResult {
    let org = page.org_store(org_id).await?;
    let gathered = async {
        let Some(version) = latest_version(&org, kind).await? else {
            return Ok(None);
        };
        let doc = issued(&org, &version).await?;
        let acks = org
            .documents()
            .handbook_acknowledgements(&version.id)
            .await?;
        let key = format!("user:{}", viewer.user.id);
        let read = acks.iter().any(|a| a.reader_key == key);
        Ok::<_, MeasureError>(Some((version, doc, read)))
    }
    .await;
    let found = match gathered {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(measure_error(page, e).await)),
    };
    let ctx = match found {
        Some((version, doc, read)) => context! {
            org => Value::from(Serde(org.org())),
            kind => kind.as_str(),
            version => Value::from(Serde(&version)),
            document => Value::from_safe_string(html_body(&doc).unwrap_or_default()),
            read => read,
        },
        None => context! { org => Value::from(Serde(org.org())), kind => kind.as_str() },
    };
    Ok(page.render(StatusCode::OK, "document_read.html", ctx).await)
}

/// `GET /orgs/{id}/documents/handbook/readers`: who has confirmed reading the current
/// handbook and who has not.
pub async fn readers(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    if !viewer.user.may_in(Deed::EditDocuments, &id) {
        return Err(PageError::NotFound);
    }
    let org = page.org_store(&id).await?;
    let gathered = async {
        let version = latest_version(&org, DocumentKind::Handbook).await?;
        let readers = org.documents().readers().await?;
        let acks = match &version {
            Some(v) => org.documents().handbook_acknowledgements(&v.id).await?,
            None => Vec::new(),
        };
        Ok::<_, MeasureError>((version, readers, acks))
    }
    .await;
    let (version, readers, acks) = match gathered {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let rows: Vec<Value> = readers
        .iter()
        .map(|r| {
            let ack = acks.iter().find(|a| a.reader_key == r.key);
            context! {
                key => r.key.clone(),
                id => r.key.split_once(':').map(|(_, id)| id.to_owned()),
                name => r.name.clone(),
                has_account => r.has_account,
                read_at => ack.map(|a| a.acknowledged_at),
            }
        })
        .collect();
    let read = rows
        .iter()
        .filter(|r| r.get_attr("read_at").is_ok_and(|v| !v.is_none()))
        .count();
    let chart = (!readers.is_empty()).then(|| {
        let parts = [
            mamori_docs::charts::Part {
                label: &page.lang.t("documents.readers.read"),
                colour: Some("#1e8e3e"),
                count: read as u64,
            },
            mamori_docs::charts::Part {
                label: &page.lang.t("documents.readers.not_yet"),
                colour: Some("#f2a600"),
                count: (readers.len() - read) as u64,
            },
        ];
        Value::from_safe_string(mamori_docs::charts::proportion(
            &page.lang.t("documents.readers.title"),
            &parts,
        ))
    });
    // Members with an account who have not confirmed can be reminded by e-mail.
    let unread_accounts = match &version {
        Some(_) => readers
            .iter()
            .filter(|r| r.has_account && !acks.iter().any(|a| a.reader_key == r.key))
            .count(),
        None => 0,
    };
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        version => version.map(|v| Value::from(Serde(v))),
        unread_accounts => unread_accounts,
        chart => chart,
        rows => rows,
        read => read,
        total => readers.len(),
    };
    Ok(page
        .render(StatusCode::OK, "document_readers.html", ctx)
        .await)
}

/// The reading-list forms: a name to add, a reader to mark as read or remove.
#[derive(Deserialize)]
pub struct ReaderForm {
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    reader: String,
}

/// `POST /orgs/{id}/documents/handbook/readers`: adds a name, removes one, or records that a
/// reader without an account confirmed reading the current version.
pub async fn readers_submit(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReaderForm>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::EditDocuments, &form.csrf)
        .await?;
    let actor = Actor::user(&viewer.user, Some(addr));
    if form.action == "link" {
        return read_link_created(&page, &org, &actor, &headers, &form.reader).await;
    }
    if form.action == "remind" {
        let base = super::public_base(&page.state, &headers);
        return remind_unread(&page, &org, &base).await;
    }
    let result = async {
        match form.action.as_str() {
            "add" => org.documents().add_reader(&actor, &form.name).await?,
            "remove" => {
                let reader = form.reader.strip_prefix("name:").unwrap_or(&form.reader);
                org.documents().remove_reader(&actor, reader).await?
            }
            "read" => {
                let version = latest_version(&org, DocumentKind::Handbook)
                    .await?
                    .ok_or(MeasureError::Store(mamori_store::StoreError::NotFound))?;
                org.documents()
                    .acknowledge_handbook(&actor, &version.id, &form.reader)
                    .await?
            }
            _ => return Err(MeasureError::Store(mamori_store::StoreError::NotFound)),
        }
        Ok::<_, MeasureError>(())
    }
    .await;
    match result {
        Ok(()) => {
            Ok(Done::ReadersChanged.redirect(&format!("/orgs/{id}/documents/handbook/readers")))
        }
        Err(e) => Err(PageError::from(measure_error(&page, e).await)),
    }
}

/// How long a personal reading link works.
const READ_LINK_DAYS: i64 = 30;

/// Makes a personal link for `reader` (a name on the list) to read and confirm the current
/// handbook, and shows it once to hand over.
async fn read_link_created(
    page: &Page,
    org: &mamori_store::OrgStore,
    actor: &Actor,
    headers: &axum::http::HeaderMap,
    reader: &str,
) -> PageResult {
    let made = async {
        let version = latest_version(org, DocumentKind::Handbook)
            .await?
            .ok_or(MeasureError::Store(mamori_store::StoreError::NotFound))?;
        let lifetime = READ_LINK_DAYS * 86_400;
        let documents = org.documents();
        let token = documents
            .create_read_link(actor, reader, &version.id, lifetime)
            .await?;
        let name = documents
            .readers()
            .await?
            .into_iter()
            .find(|r| r.key == reader)
            .map(|r| r.name)
            .unwrap_or_default();
        Ok::<_, MeasureError>((token, name))
    }
    .await;
    let (token, name) = match made {
        Ok(made) => made,
        Err(e) => return Err(PageError::from(measure_error(page, e).await)),
    };
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        name => name,
        link => format!("{}/read/{token}", super::public_base(&page.state, headers)),
        days => READ_LINK_DAYS,
    };
    Ok(page
        .render(StatusCode::OK, "read_link_created.html", ctx)
        .await)
}

/// E-mails every member with an account who has not confirmed the current handbook, each in
/// their own language, and says how many were reached. (People on the name list have no
/// address here; they get a personal link.)
async fn remind_unread(page: &Page, org: &mamori_store::OrgStore, base: &str) -> PageResult {
    let gathered = async {
        let version = latest_version(org, DocumentKind::Handbook)
            .await?
            .ok_or(MeasureError::Store(mamori_store::StoreError::NotFound))?;
        let readers = org.documents().readers().await?;
        let acks = org
            .documents()
            .handbook_acknowledgements(&version.id)
            .await?;
        let mut unread = Vec::new();
        for reader in readers.iter().filter(|r| r.has_account) {
            if acks.iter().any(|a| a.reader_key == reader.key) {
                continue;
            }
            let id = reader.key.trim_start_matches("user:");
            if let Some(user) = page.state.store.user_by_id(id).await? {
                unread.push(user);
            }
        }
        Ok::<_, MeasureError>((version, unread))
    }
    .await;
    let (version, unread) = match gathered {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(measure_error(page, e).await)),
    };
    let (mut sent, mut failed) = (0, 0);
    for user in &unread {
        let lang = user
            .locale
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(page.lang);
        let notice = mamori_notify::Notice {
            kind: mamori_notify::NoticeKind::Reminder,
            lang,
            zone: page.state.store.zone(),
            org_name: org.org().name.clone(),
            provider_name: String::new(),
            alert_id: None,
            severity: "info".to_owned(),
            title: lang.tf(
                "documents.remind.title",
                &[("n", &version.version.to_string())],
            ),
            seen: lang.t("documents.remind.seen"),
            what_to_do: lang.t("documents.remind.todo"),
            contact: String::new(),
            rule_id: None,
            count: 0,
            first_seen: None,
            last_seen: None,
            source: None,
            link: Some(format!("{base}/orgs/{}/documents/handbook", org.id())),
            items: Vec::new(),
        };
        let to = mamori_notify::Channel::Email {
            to: vec![user.email.clone()],
        };
        let delivered = match &page.state.alerting {
            Some(alerting) => alerting.notifier.deliver(&to, &notice).await.map(|_| ()),
            None => Err(mamori_notify::NotifyError::NoSmtp),
        };
        match delivered {
            Ok(()) => sent += 1,
            Err(e) => {
                tracing::warn!(error = %e, "handbook reminder not sent");
                failed += 1;
            }
        }
    }
    let body = page.lang.tf(
        "documents.remind.done",
        &[("sent", &sent.to_string()), ("failed", &failed.to_string())],
    );
    Ok(page
        .message(StatusCode::OK, "documents.remind.done_title", body)
        .await)
}

/// What a personal reading link opens: the handbook, or why it opens nothing.
async fn read_link_page(page: &Page, token: &str, confirmed: bool) -> PageResult {
    let gone = || async {
        page.message(
            StatusCode::NOT_FOUND,
            "documents.read_link.gone_title",
            page.lang.t("documents.read_link.gone_body"),
        )
        .await
    };
    let Some(link) = page.state.store.read_link(token).await? else {
        return Err(PageError::from(gone().await));
    };
    let org = page
        .state
        .store
        .org_store(&mamori_model::Scope::AllOrganisations, &link.org_id)
        .await?;
    let shown = async {
        let version = org
            .documents()
            .version(&link.version_id)
            .await?
            .ok_or(MeasureError::Store(mamori_store::StoreError::NotFound))?;
        let doc = issued(&org, &version).await?;
        Ok::<_, MeasureError>((version, doc))
    }
    .await;
    let (version, doc) = match shown {
        Ok(shown) => shown,
        Err(e) => return Err(PageError::from(measure_error(page, e).await)),
    };
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        name => link.reader_name,
        version => Value::from(Serde(&version)),
        document => Value::from_safe_string(html_body(&doc).unwrap_or_default()),
        token => token,
        confirmed => confirmed,
    };
    Ok(page.render(StatusCode::OK, "read_link.html", ctx).await)
}

/// `GET /read/{token}`: someone on the handbook's name list opens their personal link.
pub async fn read_link(page: Page, Path(token): Path<String>) -> PageResult {
    read_link_page(&page, &token, false).await
}

/// `POST /read/{token}`: they confirm reading it; the link is used up.
pub async fn confirm_read_link(
    page: Page,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
) -> PageResult {
    let Some(link) = page.state.store.read_link(&token).await? else {
        return read_link_page(&page, &token, false).await;
    };
    let org = page
        .state
        .store
        .org_store(&mamori_model::Scope::AllOrganisations, &link.org_id)
        .await?;
    let actor = Actor::anonymous(&link.reader_name, Some(addr));
    org.documents()
        .acknowledge_handbook(&actor, &link.version_id, &link.reader_key)
        .await?;
    page.state.store.use_read_link(&token).await?;
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        name => link.reader_name,
        confirmed => true,
    };
    Ok(page.render(StatusCode::OK, "read_link.html", ctx).await)
}

/// `POST /orgs/{id}/documents/handbook/read`: the signed-in member confirms reading the
/// current handbook version.
pub async fn confirm_read(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::ConfirmHandbook, &form.csrf)
        .await?;
    let result = async {
        let version = latest_version(&org, DocumentKind::Handbook)
            .await?
            .ok_or(MeasureError::Store(mamori_store::StoreError::NotFound))?;
        let key = format!("user:{}", viewer.user.id);
        org.documents()
            .acknowledge_handbook(&Actor::user(&viewer.user, Some(addr)), &version.id, &key)
            .await?;
        Ok::<_, MeasureError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(Done::HandbookRead.redirect(&format!("/orgs/{id}/documents/handbook"))),
        Err(e) => Err(PageError::from(measure_error(&page, e).await)),
    }
}

/// `GET /orgs/{id}/security-action`: the declaration kit — the readiness steps and every
/// fact the owner types into IPA's declaration form.
pub async fn declaration_kit(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    kit_page(&page, &viewer, &headers, &id, StatusCode::OK, None).await
}

/// The declaration kit with `status` and, after a refused form, what was wrong.
async fn kit_page(
    page: &Page,
    viewer: &Viewer,
    headers: &HeaderMap,
    id: &str,
    status: StatusCode,
    error: Option<String>,
) -> PageResult {
    let state = &page.state;
    let org = page.org_store(id).await?;
    let base = public_base(state, headers);
    let gathered = async {
        let (readiness, acknowledged) = org_readiness(&org, &base).await?;
        let (_, url) = policy_facts(&org, &base).await?;
        let params = Params(org.documents().params().await?);
        let policy = latest_version(&org, DocumentKind::Policy).await?;
        let assessment = org
            .answers()
            .completed(mamori_store::AnswerKind::SelfAssessment, None)
            .await?
            .into_iter()
            .next();
        let declared = org.declarations().get().await?;
        Ok::<_, MeasureError>((
            readiness,
            acknowledged,
            url,
            params,
            policy,
            assessment,
            declared,
        ))
    }
    .await;
    let (readiness, acknowledged, url, params, policy, assessment, declared) = match gathered {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(measure_error(page, e).await)),
    };
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        readiness => Value::from(Serde(&readiness)),
        rules_acknowledged_at => acknowledged.map(|a| a.at),
        policy_url => url,
        policy => policy.map(|p: DocumentVersion| Value::from(Serde(p))),
        assessment_completed_at => assessment.and_then(|a| a.completed_at),
        representative_title => params.get("representative_title").map(str::to_owned),
        representative_name => params.get("representative_name").map(str::to_owned),
        declared => declared.map(|d| Value::from(Serde(d))),
        may_record => viewer.user.may_in(Deed::RecordDeclaration, id),
        today => today(page).format("%Y-%m-%d").to_string(),
        error => error,
    };
    Ok(page.render(status, "declaration_kit.html", ctx).await)
}

/// Today's date in the site's time zone: the latest day a declaration can have been made.
fn today(page: &Page) -> chrono::NaiveDate {
    page.state.store.zone().date(mamori_store::now())
}

/// The "we declared" form on the declaration kit.
#[derive(Deserialize)]
pub struct DeclaredForm {
    csrf: String,
    #[serde(default)]
    stars: String,
    #[serde(default)]
    declared_on: String,
}

/// `POST /orgs/{id}/security-action`: the company records that it declared SECURITY
/// ACTION (which star, which day), so the provider sees it.
pub async fn record_declaration(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<DeclaredForm>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::RecordDeclaration, &form.csrf)
        .await?;
    let today = today(&page);
    let day = chrono::NaiveDate::parse_from_str(form.declared_on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= today);
    let stars = form.stars.trim().parse::<i64>().unwrap_or(0);
    let Some(day) = day else {
        let message = page.lang.t("documents.kit.declared_date_invalid");
        return kit_page(
            &page,
            &viewer,
            &headers,
            &id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message),
        )
        .await;
    };
    match org
        .declarations()
        .record(&Actor::user(&viewer.user, Some(addr)), stars, day)
        .await
    {
        Ok(_) => Ok(Done::DeclarationRecorded.redirect(&format!("/orgs/{id}/security-action"))),
        Err(e @ mamori_store::StoreError::Invalid(_)) => {
            let message = super::org::store_error_message(page.lang, &e);
            kit_page(
                &page,
                &viewer,
                &headers,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await
        }
        Err(e) => Err(PageError::from(e)),
    }
}
