use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::{Audience, NoticeCategory, NoticeRecipient, ZoneNotice};
use super::service::{self, SendNotice};
use crate::actor::Role;
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::companies::graphql::{load_company, CompanyNode};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};

/// Who a notice goes to.
#[derive(InputObject, Default)]
pub struct NoticeAudienceInput {
    /// Every active company (no filter may be given with it).
    #[graphql(default)]
    pub all_companies: bool,
    /// Companies whose GB/T 4754 industry code starts with one of these.
    #[graphql(default)]
    pub industry_code_prefixes: Vec<String>,
    /// Companies in one of these areas.
    #[graphql(default)]
    pub areas: Vec<String>,
    /// Companies with at least one of these tags.
    #[graphql(default)]
    pub any_tags: Vec<String>,
    /// Only key enterprises (true) or only the others (false).
    pub key_enterprise: Option<bool>,
    /// Only the companies this officer serves.
    pub officer_id: Option<ID>,
}

/// Who a notice went to, as it was chosen.
#[derive(SimpleObject)]
pub struct NoticeAudience {
    /// Every active company.
    pub all_companies: bool,
    /// Industry code prefixes.
    pub industry_code_prefixes: Vec<String>,
    /// Areas.
    pub areas: Vec<String>,
    /// Tags (any of them).
    pub any_tags: Vec<String>,
    /// Key enterprises only (true) or the others only (false).
    pub key_enterprise: Option<bool>,
    /// The officer whose companies it went to.
    pub officer_id: Option<ID>,
}

impl From<Audience> for NoticeAudience {
    fn from(a: Audience) -> Self {
        NoticeAudience {
            all_companies: a.all_companies,
            industry_code_prefixes: a.industry_code_prefixes,
            areas: a.areas,
            any_tags: a.any_tags,
            key_enterprise: a.key_enterprise,
            officer_id: a.officer_id.map(|id| ids::encode(IdKind::User, id)),
        }
    }
}

/// A notice to the zone (通知公告).
#[derive(InputObject)]
pub struct SendZoneNoticeInput {
    /// What it is about.
    pub category: NoticeCategory,
    /// Title.
    pub title: String,
    /// The text.
    pub body: String,
    /// Important notices are pushed even in quiet hours, and companies that have not read
    /// them a day later are reminded.
    #[graphql(default)]
    pub important: bool,
    /// Who receives it.
    pub audience: NoticeAudienceInput,
}

/// Read receipts over the companies the caller may see.
#[derive(SimpleObject)]
pub struct NoticeReceiptCounts {
    /// Companies it went to.
    pub recipients: i64,
    /// Of those, companies that read it.
    pub read: i64,
    /// Of those, companies reminded (unread a day after an important notice).
    pub reminded: i64,
}

/// A notice to the zone (通知公告).
pub struct ZoneNoticeNode(pub ZoneNotice);

/// A notice to the zone (通知公告).
#[Object(name = "ZoneNotice")]
impl ZoneNoticeNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::ZoneNotice, self.0.id)
    }

    /// What it is about.
    async fn category(&self) -> NoticeCategory {
        self.0.category
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// Whether it is important (pushed through quiet hours, unread companies reminded).
    async fn important(&self) -> bool {
        self.0.important
    }

    /// Who it went to (admins).
    async fn audience(&self, ctx: &Context<'_>) -> AppResult<Option<NoticeAudience>> {
        Ok((ctx.actor()?.role == Role::Admin).then(|| self.0.audience().into()))
    }

    /// Who sent it.
    async fn sent_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.sent_by).await
    }

    /// When it was sent.
    async fn sent_at(&self) -> DateTime<Utc> {
        to_utc(self.0.sent_at)
    }

    /// Read receipts over the companies the caller may see (admins all, officers their own,
    /// company staff their company's).
    async fn receipt_counts(&self, ctx: &Context<'_>) -> AppResult<NoticeReceiptCounts> {
        let receipts = service::receipts(ctx.state(), ctx.actor()?, self.0.id).await?;
        Ok(NoticeReceiptCounts {
            recipients: receipts.len() as i64,
            read: receipts.iter().filter(|r| r.read_at.is_some()).count() as i64,
            reminded: receipts.iter().filter(|r| r.reminded_at.is_some()).count() as i64,
        })
    }

    /// One receipt per company the caller may see.
    async fn receipts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only companies that have not read it (default false).")] unread: Option<bool>,
    ) -> AppResult<Vec<NoticeReceiptNode>> {
        let unread = unread.unwrap_or(false);
        Ok(service::receipts(ctx.state(), ctx.actor()?, self.0.id)
            .await?
            .into_iter()
            .filter(|r| !unread || r.read_at.is_none())
            .map(NoticeReceiptNode)
            .collect())
    }

    /// When the caller's company read it (company staff; null while unread or for others).
    async fn read_at(&self, ctx: &Context<'_>) -> AppResult<Option<DateTime<Utc>>> {
        let actor = ctx.actor()?;
        if actor.role != Role::Company {
            return Ok(None);
        }
        let receipts = service::receipts(ctx.state(), actor, self.0.id).await?;
        Ok(receipts.first().and_then(|r| r.read_at).map(to_utc))
    }
}

/// One company's read receipt of a notice.
pub struct NoticeReceiptNode(NoticeRecipient);

/// One company's read receipt of a notice.
#[Object(name = "NoticeReceipt")]
impl NoticeReceiptNode {
    /// The company.
    async fn company(&self, ctx: &Context<'_>) -> AppResult<Option<CompanyNode>> {
        load_company(ctx, self.0.company_id).await
    }

    /// When its staff first read it.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at.map(to_utc)
    }

    /// Who read it first.
    async fn read_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.read_by {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// When it was reminded.
    async fn reminded_at(&self) -> Option<DateTime<Utc>> {
        self.0.reminded_at.map(to_utc)
    }
}

/// The result of sending a notice.
#[derive(SimpleObject)]
pub struct SendZoneNoticePayload {
    /// The notice.
    pub notice: ZoneNoticeNode,
    /// Companies it went to.
    pub companies: i32,
}

#[derive(Default)]
pub struct NoticeQuery;

#[Object]
impl NoticeQuery {
    /// Notices to the zone, newest first: admins all, officers those sent to their companies,
    /// company staff those sent to their company.
    async fn zone_notices(&self, ctx: &Context<'_>) -> AppResult<Vec<ZoneNoticeNode>> {
        Ok(service::list(ctx.state(), ctx.actor()?)
            .await?
            .into_iter()
            .map(ZoneNoticeNode)
            .collect())
    }

    /// One notice the caller may see.
    async fn zone_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice's id.")] id: ID,
    ) -> AppResult<ZoneNoticeNode> {
        let id = ids::decode(IdKind::ZoneNotice, &id, "id")?;
        Ok(ZoneNoticeNode(service::get(ctx.state(), ctx.actor()?, id).await?))
    }
}

#[derive(Default)]
pub struct NoticeMutation;

#[Object]
impl NoticeMutation {
    /// Sends a notice to all companies or a filtered set (admins): each company gets a read
    /// receipt, its staff an inbox notice and a push.
    async fn send_zone_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice.")] input: SendZoneNoticeInput,
    ) -> AppResult<SendZoneNoticePayload> {
        let a = input.audience;
        let audience = Audience {
            all_companies: a.all_companies,
            industry_code_prefixes: a.industry_code_prefixes,
            areas: a.areas,
            any_tags: a.any_tags,
            key_enterprise: a.key_enterprise,
            officer_id: a
                .officer_id
                .map(|id| ids::decode(IdKind::User, &id, "audience.officerId"))
                .transpose()?,
        };
        let send = SendNotice {
            category: input.category,
            title: input.title,
            body: input.body,
            important: input.important,
            audience,
        };
        let (notice, companies) = service::send(ctx.state(), ctx.actor()?, send).await?;
        Ok(SendZoneNoticePayload {
            notice: ZoneNoticeNode(notice),
            companies: companies as i32,
        })
    }

    /// The caller's company read the notice (company staff).
    async fn mark_zone_notice_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice's id.")] id: ID,
    ) -> AppResult<ZoneNoticeNode> {
        let id = ids::decode(IdKind::ZoneNotice, &id, "id")?;
        let actor = ctx.actor()?;
        service::mark_read(ctx.state(), actor, id).await?;
        Ok(ZoneNoticeNode(service::get(ctx.state(), actor, id).await?))
    }
}
