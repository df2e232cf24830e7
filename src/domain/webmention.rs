//! Webmention (W3C Recommendation) rules without I/O: the links of a page, whether a source
//! links to a target, where a page says its endpoint is, and what an mf2 h-entry says.

mod entry;
mod links;

pub use entry::{Author, Entry, Kind, read_entry};
pub use links::{discover_endpoint, external_links, links_to};

/// The largest source page or target page read, in bytes.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;
