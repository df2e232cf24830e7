//! How the ActivityPub crate (`activitypub_federation`) is wired in: the data it hands to
//! every activity and object ([`FedData`], a way back to the application), the configuration
//! it fetches with (our SSRF-safe client, its per-request fetch limit, blocked domains refused
//! before any request), and how its errors become ours.

use std::sync::Weak;

use activitypub_federation::config::FederationConfig;
use activitypub_federation::error::Error as ProtocolError;
use url::Url;

use super::client::{ClientError, HttpClient, NoPublicAddress, REQUEST_TIMEOUT, protocol_client};
use super::error::FederationError;
use crate::app::{App, AppState};
use crate::config::Config;
use crate::storage::blocks;

/// Most documents fetched while handling one activity or one request (an actor, its key, a
/// reply's parents, ...). A chain of replies longer than this is not followed further.
pub const FETCHES_PER_REQUEST: u32 = 20;

/// What the crate hands to our activities and objects: the application, held weakly so that
/// the configuration stored in the application does not keep it alive.
#[derive(Clone)]
pub struct FedData(Weak<AppState>);

impl FedData {
    pub(crate) fn new(state: Weak<AppState>) -> FedData {
        FedData(state)
    }

    /// The application. Activities and fetches run inside requests and tasks that hold it,
    /// so it is always there while they do.
    pub fn app(&self) -> App {
        App::from_state(
            self.0
                .upgrade()
                .expect("the application outlives the requests it serves"),
        )
    }
}

/// The per-request context of the crate: the data plus its count of fetches.
pub type Data = activitypub_federation::config::Data<FedData>;

/// The crate's configuration for this server.
pub async fn protocol_config(
    data: FedData,
    config: &Config,
    client: &HttpClient,
) -> Result<FederationConfig<FedData>, FederationError> {
    FederationConfig::builder()
        .domain(config.domain())
        .client(protocol_client(client, data.clone()))
        .http_fetch_limit(FETCHES_PER_REQUEST)
        .request_timeout(REQUEST_TIMEOUT)
        // "Debug" in the crate means: plain http and explicit ports allowed, no address
        // checks of its own. Our client does those checks on every request either way.
        .debug(config.allow_private_networks)
        .allow_http_urls(config.allow_private_networks)
        .url_verifier(Box::new(NotBlocked(data.clone())))
        .app_data(data)
        .build()
        .await
        .map_err(|e| FederationError::Key(format!("the ActivityPub configuration: {e}")))
}

/// Refuses URLs on blocked domains before the crate fetches them.
#[derive(Clone)]
struct NotBlocked(FedData);

#[async_trait::async_trait]
impl activitypub_federation::config::UrlVerifier for NotBlocked {
    async fn verify(&self, url: &Url) -> Result<(), ProtocolError> {
        let Some(domain) = crate::urls::instance_of(url) else {
            return Err(ProtocolError::UrlVerificationError("not an http(s) URL"));
        };
        let app = self.0.app();
        match blocks::is_blocked(&app.db, "", &domain).await {
            Ok(false) => Ok(()),
            Ok(true) => Err(ProtocolError::UrlVerificationError("the domain is blocked")),
            Err(e) => Err(ProtocolError::Other(e.to_string())),
        }
    }
}

impl From<ProtocolError> for FederationError {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::ReqwestMiddleware(reqwest_middleware::Error::Middleware(inner)) => {
                match inner.downcast::<ClientError>() {
                    Ok(client) => client.into(),
                    Err(other) => FederationError::Invalid(other.to_string()),
                }
            }
            ProtocolError::ReqwestMiddleware(reqwest_middleware::Error::Reqwest(e))
            | ProtocolError::Reqwest(e) => from_reqwest(e),
            ProtocolError::ObjectDeleted(url) => FederationError::Invalid(format!("{url} is gone")),
            ProtocolError::UrlVerificationError("Url must have a domain") => {
                FederationError::Refused(
                    "the address is an IP address: other servers are fetched by host name only"
                        .into(),
                )
            }
            ProtocolError::UrlVerificationError(why) => FederationError::Refused(why.into()),
            e @ (ProtocolError::DomainResolveError(_)
            | ProtocolError::ResolveInternalIpError(..)) => FederationError::Refused(e.to_string()),
            ProtocolError::ParseFetchedObject(e, url, _) => {
                FederationError::Invalid(format!("{url} is not a document Chorus understands: {e}"))
            }
            e => FederationError::Invalid(e.to_string()),
        }
    }
}

fn from_reqwest(e: reqwest::Error) -> FederationError {
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        if let Some(blocked) = s.downcast_ref::<NoPublicAddress>() {
            return FederationError::Refused(blocked.to_string());
        }
        source = s.source();
    }
    FederationError::Transient(e.to_string())
}
