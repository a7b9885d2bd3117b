//! Picks each delivery's sender by its device's provider. Several providers run side by side;
//! a provider without configuration has no sender, and its deliveries are held (never sent to
//! another provider, never deleted).

use std::collections::HashMap;
use std::sync::Arc;

use super::apns::ApnsSender;
use super::honor::HonorSender;
use super::huawei::HuaweiSender;
use super::oppo::OppoSender;
use super::vivo::VivoSender;
use super::xiaomi::XiaomiSender;
use super::{FcmSender, PushMessage, PushSender, SendOutcome};
use crate::config::PushConfig;
use crate::notifications::model::PushProvider;

#[derive(Clone, Default)]
pub struct PushRouter {
    senders: HashMap<PushProvider, Arc<dyn PushSender>>,
}

impl PushRouter {
    pub fn new() -> PushRouter {
        PushRouter::default()
    }

    /// Adds (or replaces) the sender of its provider.
    pub fn with(mut self, sender: Arc<dyn PushSender>) -> PushRouter {
        self.senders.insert(sender.provider(), sender);
        self
    }

    /// The senders this configuration enables.
    pub fn from_config(config: &PushConfig) -> Result<PushRouter, String> {
        let mut router = PushRouter::new();
        if let Some(path) = &config.fcm_credentials {
            router = router.with(Arc::new(FcmSender::from_credentials_file(path, &config.fcm_endpoint)?));
        }
        if let Some(settings) = &config.apns {
            router = router.with(Arc::new(ApnsSender::new(settings.clone())?));
        }
        if let Some(settings) = &config.huawei {
            router = router.with(Arc::new(HuaweiSender::new(settings.clone())?));
        }
        if let Some(settings) = &config.honor {
            router = router.with(Arc::new(HonorSender::new(settings.clone())?));
        }
        if let Some(settings) = &config.xiaomi {
            router = router.with(Arc::new(XiaomiSender::new(settings.clone())?));
        }
        if let Some(settings) = &config.oppo {
            router = router.with(Arc::new(OppoSender::new(settings.clone())?));
        }
        if let Some(settings) = &config.vivo {
            router = router.with(Arc::new(VivoSender::new(settings.clone())?));
        }
        Ok(router)
    }

    /// The configured providers, in the order of `PushProvider::ALL`.
    pub fn providers(&self) -> Vec<PushProvider> {
        PushProvider::ALL
            .iter()
            .copied()
            .filter(|p| self.senders.contains_key(p))
            .collect()
    }

    pub fn handles(&self, provider: PushProvider) -> bool {
        self.senders.contains_key(&provider)
    }

    /// Sends through the message's provider; `None` when that provider is not configured.
    pub async fn send(&self, message: &PushMessage) -> Option<SendOutcome> {
        let sender = self.senders.get(&message.provider)?.clone();
        Some(sender.send(message).await)
    }
}
