//! URL normalisation and crawl scope.
//!
//! Every URL that enters the frontier goes through [`normalize`], so that two spellings of one page are
//! one frontier entry: the fragment is removed, the host is lowercased and the default port dropped (the
//! last two are done by the WHATWG parser in the `url` crate), and tracking and session parameters
//! (`utm_*`, `fbclid`, `PHPSESSID`, `;jsessionid=…`, …) are dropped, so that a page linked with a new
//! session id or campaign tag on every link is still one page.

use url::Url;

use crate::CrawlError;

/// Parses `raw` (relative to `base` if given) and returns its normal form.
pub fn normalize(raw: &str, base: Option<&Url>) -> Result<Url, CrawlError> {
    let raw = raw.trim();
    let parsed = match base {
        Some(base) => base.join(raw),
        None => Url::parse(raw),
    }
    .map_err(|e| CrawlError::InvalidUrl(raw.to_string(), e.to_string()))?;
    let mut url = parsed;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(CrawlError::UnsupportedScheme(other.to_string())),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CrawlError::InvalidUrl(raw.to_string(), "no host".into()));
    }
    url.set_fragment(None);
    strip_tracking(&mut url);
    if url.query() == Some("") {
        url.set_query(None);
    }
    Ok(url)
}

/// Query parameters that only track the visitor or their session, never choose the content.
const TRACKING: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "phpsessid",
    "jsessionid",
    "sessionid",
    "session_id",
    "sessid",
    "cfid",
    "cftoken",
];

fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || name.starts_with("aspsessionid")
        || TRACKING.contains(&name.as_str())
}

/// Drops tracking and session parameters from the query and `;jsessionid=…`-style path parameters.
fn strip_tracking(url: &mut Url) {
    let path = url.path();
    if let Some(at) = path.find(';') {
        let param = path[at + 1..].split('=').next().unwrap_or("");
        if is_tracking(param) {
            let kept = path[..at].to_string();
            url.set_path(&kept);
        }
    }
    let Some(query) = url.query() else { return };
    if !query
        .split('&')
        .any(|pair| is_tracking(pair.split('=').next().unwrap_or("")))
    {
        return;
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_tracking(pair.split('=').next().unwrap_or("")))
        .collect();
    let kept = kept.join("&");
    url.set_query(if kept.is_empty() { None } else { Some(&kept) });
}

/// Which URLs a crawl may follow, relative to its seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Same host (and port) as one of the seeds.
    #[default]
    Host,
    /// Same registrable domain as one of the seeds (`docs.example.com` and `www.example.com`).
    Domain,
    /// URLs that start with a seed's URL up to its last `/`.
    Prefix,
}

impl std::str::FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "host" => Ok(Scope::Host),
            "domain" => Ok(Scope::Domain),
            "prefix" => Ok(Scope::Prefix),
            other => Err(format!(
                "unknown scope `{other}` (expected host, domain or prefix)"
            )),
        }
    }
}

/// The seeds' scope, ready to test URLs against.
#[derive(Debug, Clone)]
pub struct ScopeRules {
    scope: Scope,
    seeds: Vec<Url>,
}

impl ScopeRules {
    pub fn new(scope: Scope, seeds: &[Url]) -> Self {
        Self {
            scope,
            seeds: seeds.to_vec(),
        }
    }

    /// Returns true if `url` lies inside the scope of at least one seed.
    pub fn allows(&self, url: &Url) -> bool {
        self.seeds.iter().any(|seed| match self.scope {
            Scope::Host => host_key(seed) == host_key(url),
            Scope::Domain => match (registrable(seed), registrable(url)) {
                (Some(a), Some(b)) => a == b,
                _ => host_key(seed) == host_key(url),
            },
            Scope::Prefix => {
                let s = seed.as_str();
                let prefix = &s[..s.rfind('/').map_or(s.len(), |i| i + 1)];
                url.as_str().starts_with(prefix)
            }
        })
    }
}

/// Returns `host:port` (port made explicit), the key politeness is tracked under.
pub fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

fn registrable(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    if url
        .host()
        .is_some_and(|h| !matches!(h, url::Host::Domain(_)))
    {
        return Some(host.to_string());
    }
    psl::domain_str(host).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_fragment_port_and_host_case() {
        let u = normalize("HTTP://Example.COM:80/a/b.html?x=1#frag", None).expect("valid");
        assert_eq!(u.as_str(), "http://example.com/a/b.html?x=1");
        let base = Url::parse("https://example.com:443/dir/page.html").expect("valid");
        assert_eq!(
            normalize("../x.html#y", Some(&base))
                .expect("valid")
                .as_str(),
            "https://example.com/x.html"
        );
        assert!(matches!(
            normalize("mailto:a@b.c", None),
            Err(CrawlError::UnsupportedScheme(_))
        ));
        assert!(normalize("javascript:alert(1)", Some(&base)).is_err());
        assert!(normalize("http://", None).is_err());
    }

    #[test]
    fn tracking_and_session_parameters_are_dropped() {
        let same = [
            "http://example.com/a?x=1&utm_source=news&UTM_Medium=mail",
            "http://example.com/a?fbclid=abc&x=1",
            "http://example.com/a?x=1&PHPSESSID=0123456789abcdef",
            "http://example.com/a;jsessionid=ABCDEF?x=1",
        ];
        for raw in same {
            assert_eq!(
                normalize(raw, None).expect("valid").as_str(),
                "http://example.com/a?x=1",
                "{raw}"
            );
        }
        assert_eq!(
            normalize("http://example.com/a?sid=1&utm_campaign=x", None)
                .expect("valid")
                .as_str(),
            "http://example.com/a?sid=1"
        );
        assert_eq!(
            normalize("http://example.com/a?gclid=1", None)
                .expect("valid")
                .as_str(),
            "http://example.com/a"
        );
        // A query that only looks similar is kept as it is.
        assert_eq!(
            normalize("http://example.com/search?q=utm_source&page=2", None)
                .expect("valid")
                .as_str(),
            "http://example.com/search?q=utm_source&page=2"
        );
    }

    #[test]
    fn scopes() {
        let seed = Url::parse("https://docs.example.com/guide/intro.html").expect("valid");
        let host = ScopeRules::new(Scope::Host, std::slice::from_ref(&seed));
        let domain = ScopeRules::new(Scope::Domain, std::slice::from_ref(&seed));
        let prefix = ScopeRules::new(Scope::Prefix, std::slice::from_ref(&seed));
        let same_host = Url::parse("https://docs.example.com/other").expect("valid");
        let sibling = Url::parse("https://www.example.com/").expect("valid");
        let in_prefix = Url::parse("https://docs.example.com/guide/deep/x.html").expect("valid");
        assert!(host.allows(&same_host) && !host.allows(&sibling));
        assert!(domain.allows(&sibling) && domain.allows(&same_host));
        assert!(prefix.allows(&in_prefix) && !prefix.allows(&same_host));
        let other_port = Url::parse("https://docs.example.com:8443/").expect("valid");
        assert!(!host.allows(&other_port));
    }
}
