//! What a line of page text is: a definition-list term or label, a field (`Default: 30`), a
//! signature, a heading, a synopsis, an item of a list. The sentence reader ([`super::sentences`])
//! asks these of every line it reads, so each answers in one pass over the line.

use indexer::{sentence_spans, SearchHit};

use super::quotes::breaks_off;
use super::words::standalone_words;
use crate::retrieve::snippet::lines;

/// Most words of the value of a field stated inside a line ([`is_inline_field`]).
pub(super) const INLINE_FIELD_WORDS: usize = 12;

/// Longest line read as the term of a definition list or a table row label, in words.
pub(super) const LABEL_WORDS: usize = 10;

/// Fewest words of a line that breaks off to read as a sentence going on below, not a term.
const SENTENCE_WORDS: usize = 3;

/// The words of a label, not counting its punctuation: PostgreSQL writes a signature with spaces
/// around it (`lpad ( string text, length integer [, fill text ] ) → text` is eight words).
pub(super) fn label_words(label: &str) -> usize {
    // One pass: every line a passage holds is asked whether it is a label.
    let (mut words, mut in_word, mut counted) = (0, false, false);
    for c in label.chars() {
        if c.is_whitespace() {
            in_word = false;
        } else {
            if !in_word {
                (in_word, counted) = (true, false);
            }
            if !counted && c.is_alphanumeric() {
                (words, counted) = (words + 1, true);
            }
        }
    }
    words
}

/// Returns true if `line` reads as a label for the lines after it: short, and not a sentence (a
/// definition-list term like `SIGTERM` or `work_mem (integer)`, a table row's first cell).
pub(super) fn is_label(line: &str) -> bool {
    // An indented line is code, and a line aligned in columns (`test_example.txt .      [100%]`)
    // is a listing's output: only a `<pre>` block keeps a run of spaces.
    if line.starts_with([' ', '\t']) || line.trim_end().contains("   ") {
        return false;
    }
    let line = line.trim();
    // A type's declaration (`pub struct HashMap<K, V> { /* private fields */ }`) is the term of
    // the description under it, however it ends.
    if declared_type(line).is_some() {
        return true;
    }
    // Syntax named by symbols alone (zsh's prompt escapes `%?` and `%#`, `$?`, `<<<`) is a term
    // whatever it ends with; brackets and quotes alone close or open code, dots are no term, and
    // an interpreter's or a shell's prompt alone (`>>>`, `$`) is a line of a session.
    if (1..=12).contains(&line.len())
        && !line.starts_with('>')
        && !matches!(line, "$" | "#" | "%")
        && !line.contains(|c: char| {
            c.is_alphanumeric() || c.is_whitespace() || "{}()[];,\"'`".contains(c)
        })
        && !line.chars().all(|c| c == '.' || c == '…')
    {
        return true;
    }
    // A parameter expansion alone on its line (`${parameter:offset:length}`, bash's manual) is the
    // term of the entry below it, though it ends with a brace.
    if line.starts_with("${") && line.ends_with('}') && !line.contains(char::is_whitespace) {
        return true;
    }
    // A definition line of a GNU Texinfo manual (`: x = inv (A)`, `: [x, rcond] = inv (A)` in
    // GNU Octave's) is the entry's term, however it ends.
    if is_definition_line(line) {
        return true;
    }
    // A placeholder for arguments (`DISCARD optional text...`, `postqueue -i queue_id...`) ends
    // a term, not a sentence.
    let ends = line.strip_suffix("...").unwrap_or(line);
    // A setting's name with its type or default in parentheses (`maximal_queue_lifetime
    // (default: 5 days)`, `work_mem (integer)`) ends a term, not a sentence.
    let ends = match ends.split_once(" (") {
        Some((name, rest))
            if rest.ends_with(')')
                && !name.contains(char::is_whitespace)
                && name.contains(['_', '.'])
                && !rest.contains(['.', ';']) =>
        {
            name
        }
        _ => ends,
    };
    if ends.ends_with([
        '.', '!', '?', ':', ';', ',', '{', '}', ')', '(', '[', '=', '\\',
    ]) || line.starts_with([' ', '>', '#', '$', '.', '}', '(', '"', '\''])
    {
        return false;
    }
    // A line of a few words that breaks off on a word no sentence ends with ("Associative arrays
    // are created using", over `declare -A name`) goes on below: a sentence, not a term. Not a
    // word joining two examples ("or" between two commands).
    if breaks_off(line) && label_words(line) >= SENTENCE_WORDS {
        return false;
    }
    // A decorator (`@pytest.fixture`) or a comment (`// build.rs`) opens a code listing.
    if line.starts_with('@') || line.starts_with("//") {
        return false;
    }
    // A closing tag (`</Directory>`) ends a block of configuration or markup, and a quoted path
    // (`ServerRoot "/home/httpd"`) is a directive's argument in an example: code, not a term.
    if line.starts_with("</") || line.contains("\"/") || is_html_tag(line) {
        return false;
    }
    // A web address on its own line is where a link pointed, not a term.
    if line.contains("://") && !line.contains(char::is_whitespace) {
        return false;
    }
    let words = label_words(line);
    // Syntax is named by its symbols (`*+, ++, ?+`, `{m,n}+`): short, no digits, no assignment.
    let syntax = line.len() <= 20 && !line.contains(|c: char| c.is_ascii_digit() || c == '=');
    ((1..=LABEL_WORDS).contains(&words) || (syntax && !line.is_empty()))
        && (line.chars().any(char::is_alphabetic) || syntax)
}

/// Elements of HTML that a template's or a page's example opens on a line of its own.
const HTML_ELEMENTS: &[&str] = &[
    "a", "article", "aside", "b", "body", "br", "button", "code", "div", "dl", "em", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "i", "img",
    "input", "label", "li", "link", "main", "meta", "nav", "ol", "option", "p", "pre", "script",
    "section", "select", "span", "strong", "style", "table", "tbody", "td", "textarea", "th",
    "thead", "title", "tr", "ul",
];

/// Returns true if `line` is HTML markup of an example: it opens with a start tag of an HTML element
/// (`<div>`, `<ul class="nav">`, `<p>{{ input('password') }}</p>`) and ends a tag; not a placeholder
/// (`<oldbranch>`, a term of git's manual pages).
fn is_html_tag(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('<').filter(|_| line.ends_with('>')) else {
        return false;
    };
    let name_end = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(name_end);
    after.starts_with(['>', ' ', '/'])
        && HTML_ELEMENTS.contains(&name.to_ascii_lowercase().as_str())
}

/// Returns true if the table row `line` opens a declaration laid out as a table, as Doxygen lays
/// out a function's (`SDL_Window * SDL_CreateWindow | ( | const char * | title,`): a type and a
/// name, then a cell holding only the opening parenthesis.
pub(super) fn is_signature_row(line: &str) -> bool {
    let mut cells = line.split('|').map(str::trim);
    let (Some(declared), Some("(")) = (cells.next(), cells.next()) else {
        return false;
    };
    declared.rsplit([' ', '*', '&']).next().is_some_and(|name| {
        name.len() >= 2
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    })
}

/// Returns true if `line` is the return type of the C declaration `next` goes on with, GNU style
/// (`void` or `const gchar *` above `g_strdup (const gchar *str);`): a type of at most three words
/// of identifiers and `*`, above a name, a space and its parameters up to a comma or the end.
pub(super) fn returns_into(line: &str, next: &str) -> bool {
    let ty = line.trim();
    let next = next.trim_end();
    let Some((name, _)) = next.split_once(" (") else {
        return false;
    };
    !ty.is_empty()
        && ty.split_whitespace().count() <= 3
        && ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*' || c == ' ')
        && name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && next.ends_with([',', ';', ')'])
}

/// Returns true if `line` is a command's synopsis, whatever its length: alternatives inside
/// brackets (`\copy { table [ ( column_list ) ] | ( query ) } to { 'filename' | stdout }`). It
/// opens the entry its description stands under, as a term does.
pub(super) fn is_synopsis(line: &str) -> bool {
    line.contains(indexer::vector::sentences::TABLE_CELL)
        && !indexer::vector::sentences::is_table_row(line)
        && !reads_as_prose(line)
}

/// Returns true if `line` (a label, see [`is_label`]) states one property of the entry it follows
/// rather than opening an entry of its own: `Default: 30`, `Type: string or array of strings`,
/// `Environment: CARGO_HTTP_TIMEOUT` under `http.timeout`.
pub(super) fn is_field(line: &str) -> bool {
    let Some((key, value)) = line.trim().split_once(": ") else {
        return false;
    };
    (1..=3).contains(&key.split_whitespace().count())
        && key.starts_with(char::is_uppercase)
        && key.chars().all(|c| c.is_alphabetic() || c == ' ')
        && !value.trim().is_empty()
}

/// Returns true if `sentence`, inside a line, is one field of what the line is about: one word, a
/// colon, a short value ("Default: 5000 (5 seconds).", "Returns: <string>"); not a sentence that
/// opens with a name and a colon ("See Cargo Targets: Tests to learn more …").
pub(super) fn is_inline_field(sentence: &str) -> bool {
    is_field(sentence)
        && sentence.split_once(": ").is_some_and(|(key, value)| {
            !key.contains(' ') && value.split_whitespace().count() <= INLINE_FIELD_WORDS
        })
}

/// What follows the opening parenthesis when `heading` shows a call: parentheses right after a
/// name (`randomUUID(`), not after a space (`git bisect (bad|new)`).
pub(super) fn call_parameters(heading: &str) -> Option<&str> {
    heading
        .split_once('(')
        .filter(|(name, _)| name.ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        .map(|(_, parameters)| parameters)
}

/// Returns true if the label `line` names a parameter of the signature `term`: its first word is
/// one of the names inside the parentheses of the call the signature shows (`options <Object>` of
/// `crypto.randomUUID([options])`), or a name followed by its type.
pub(super) fn is_parameter_of(term: &str, line: &str) -> bool {
    let Some(parameters) = call_parameters(term) else {
        return false;
    };
    let name = line.split_whitespace().next().unwrap_or("");
    // A name with its type (`encoding {string|null}`, `signal <AbortSignal>`) is a parameter's
    // option or a returned object's property: part of the call's entry too.
    is_typed_name(line)
        || (is_name(name)
            && parameters
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == name))
}

/// Returns true if `line` is a table row that opens with a version or a list of them (`v15.2.0,
/// v14.17.0 |`, `3.11 | …`).
pub(super) fn opens_with_version(line: &str) -> bool {
    let Some((first, _)) = line.split_once('|') else {
        return false;
    };
    first
        .split(',')
        .all(|v| is_dotted_number(v.trim().trim_start_matches('v')))
}

/// Returns true if `word` is a version number: two or more runs of digits joined by dots (`3.11`,
/// `2.4.53`).
pub(super) fn is_dotted_number(word: &str) -> bool {
    word.contains('.')
        && word
            .split('.')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The field a sentence states after a type (`Default: 60000` of `<number> Default: 60000`), as API
/// references open a property's line with its type.
pub(super) fn typed_field(sentence: &str) -> Option<&str> {
    let (ty, rest) = sentence.split_once(' ')?;
    let typed =
        (ty.starts_with('<') && ty.ends_with('>')) || (ty.starts_with('{') && ty.ends_with('}'));
    typed.then_some(rest.trim_start())
}

pub(super) fn is_name(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Returns true if `line` opens with a name and its type, as API references list parameters and
/// properties: `signal <AbortSignal> …`, `encoding {string|null} …`, `...args <any> …` (a rest
/// parameter).
pub(super) fn is_typed_name(line: &str) -> bool {
    let mut words = line.split_whitespace();
    words
        .next()
        .is_some_and(|name| is_name(name.trim_start_matches("...")))
        && words
            .next()
            .is_some_and(|w| w.starts_with(['<', '{']) && w.len() > 2)
}

/// A passage's headings, by the lines of its text they are, looked up for every line and sentence
/// it holds. A heading may span lines: rustdoc writes a signature's `where` clause on a line of its
/// own inside the heading (`pub fn retain<F>(&mut self, f: F)` over `where F: FnMut(&T) -> bool,`).
#[derive(Default)]
pub(super) struct Headings<'a> {
    /// Each heading by its first line (the whole heading, when it is one line).
    by_first_line: rustc_hash::FxHashMap<&'a str, &'a str>,
    /// The further lines of the headings that span lines.
    further_lines: rustc_hash::FxHashSet<&'a str>,
}

impl<'a> Headings<'a> {
    /// Returns true if the trimmed `line` opens a heading.
    pub(super) fn opens(&self, line: &str) -> bool {
        self.by_first_line.contains_key(line)
    }

    /// Returns true if the trimmed `line` goes on with a heading opened on a line above it.
    pub(super) fn continues(&self, line: &str) -> bool {
        self.further_lines.contains(line)
    }

    /// Returns true if the trimmed `line` is any line of a heading.
    pub(super) fn contains(&self, line: &str) -> bool {
        self.opens(line) || self.continues(line)
    }

    /// Returns true if `line` holds a heading whole.
    pub(super) fn within(&self, line: &str) -> bool {
        self.by_first_line
            .values()
            .any(|h| !h.is_empty() && h.len() <= line.len() && line.contains(h))
    }

    /// The span in `text` of the heading whose first line is at `span`: over its further lines
    /// when they follow it there.
    pub(super) fn span(&self, text: &str, span: (usize, usize)) -> (usize, usize) {
        let first = &text[span.0..span.1];
        let start = span.0 + (first.len() - first.trim_start().len());
        match self.by_first_line.get(first.trim()) {
            Some(whole) if whole.len() > first.trim().len() && text[start..].starts_with(whole) => {
                (span.0, start + whole.len())
            }
            _ => span,
        }
    }
}

/// The passage's headings (its path and those of the sections merged into it), by the lines of its
/// text that are headings.
pub(super) fn heading_lines(hit: &SearchHit) -> Headings<'_> {
    let mut headings = Headings::default();
    for heading in hit
        .headings
        .split(indexer::lexical::HEADING_SEPARATOR)
        .map(str::trim)
    {
        let mut lines = heading.lines().map(str::trim);
        headings
            .by_first_line
            .insert(lines.next().unwrap_or(""), heading);
        headings
            .further_lines
            .extend(lines.filter(|l| !l.is_empty()));
    }
    headings
}

/// Returns true if a heading or term reads as the name of a thing (an API entry, a setting, a
/// command-line option: `sys.getsizeof(object[, default])`, `work_mem (integer)`, `SIGTERM`) rather
/// than a title in prose ("Ferret habits").
pub(super) fn names_a_thing(term: &str) -> bool {
    // Syntax is named by its symbols (`*+, ++, ?+`).
    if !term.chars().any(char::is_alphabetic) {
        return true;
    }
    let mut words = term.split_whitespace();
    // One word is a name unless it is a capitalised word ("Description", "Examples").
    let single = words.clone().take(2).count() == 1 && {
        let mut chars = term.chars();
        !(chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase))
    };
    single
        || words
            .by_ref()
            .take(3)
            .any(|w| w.contains('(') || joins_names(w))
}

/// Returns true if `term` opens with a command-line option (`-d queue_id`, `--depth <depth>`,
/// `-u\n--include-untracked`).
pub(super) fn names_an_option(term: &str) -> bool {
    let term = term.trim_start();
    term.starts_with('-')
        && term
            .trim_start_matches('-')
            .starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// Returns true if `term` is written as command syntax: an option (`--cached`), a backslash
/// command (`\dt`) or a placeholder (`[<commit>]`, `<path>`).
pub(super) fn shows_syntax(term: &str) -> bool {
    (!term.trim().is_empty() && term.lines().all(is_definition_line))
        || term.split_whitespace().any(|w| {
            // An option is dashes and a name (`-p`, `--jobs`, `--[no-]keep-index`), not an SQL
            // comment's `--` or an arrow.
            let option = w
                .strip_prefix("--")
                .or_else(|| w.strip_prefix('-'))
                .is_some_and(|name| name.starts_with(|c: char| c.is_alphanumeric() || c == '['));
            // A backslash command names a meta-command (psql's `\password [ username ]`, `\dt`).
            let backslash = w
                .strip_prefix('\\')
                .is_some_and(|name| name.starts_with(|c: char| c.is_ascii_alphabetic()));
            option
                || backslash
                || w.starts_with("[<")
                || (w.starts_with('<') && w.ends_with('>') && w.len() > 2)
        })
}

/// Returns true if `word` joins names as code does (`os.path`, `std::env`, `WILL_FAIL`): one
/// identifier, whatever words it is made of.
fn joins_names(word: &str) -> bool {
    let word = word.trim_end_matches(['.', ',', ':', ';']);
    word.contains('_') || word.contains("::") || {
        let b = word.as_bytes();
        b.windows(3)
            .any(|x| x[1] == b'.' && x[0].is_ascii_alphabetic() && x[2].is_ascii_alphabetic())
    }
}

/// Returns true if `line` is a definition line of a GNU Texinfo manual: a colon, then the call it
/// defines (`: x = inv (A)`, `: [x, rcond] = inv (A)`, `: ifft (x, n, dim)`), as `texi2any` writes
/// `@deftypefn` for GNU Octave's functions; several such lines stacked are one entry's forms.
pub(super) fn is_definition_line(line: &str) -> bool {
    line.trim_start().strip_prefix(": ").is_some_and(|call| {
        call.contains('(')
            && !call.trim_end().ends_with('.')
            && call.split_whitespace().count() <= LABEL_WORDS
    })
}

/// Returns true if `sentence` already says `name`, so quoting the name would add nothing: verbatim,
/// or, for a name made of words, every one of its terms. A name with symbols, an option's dashes
/// or an identifier's joints is said only verbatim: "from m to n repetitions" does not say
/// `{m,n}+`, nor "this will invert the pass/fail flag" `WILL_FAIL`.
pub(super) fn index_terms_within(name: &str, sentence: &str) -> bool {
    let name = name.trim();
    if sentence.contains(name) {
        return true;
    }
    // A command-line option (`--open`, `-P`) is a symbol too: "Open the docs in a browser" does
    // not say `--open`.
    let words_only = !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || matches!(c, '.' | '-' | ':'))
        && !name.split_whitespace().any(joins_names);
    if !words_only {
        return false;
    }
    let terms = indexer::lexical::analyze(name);
    if terms.is_empty() {
        return false;
    }
    // Which of the name's terms the sentence holds, read without collecting the sentence's.
    let mut said = vec![false; terms.len()];
    indexer::lexical::analyze_each(sentence, |term| {
        for (said, t) in said.iter_mut().zip(&terms) {
            *said |= t == term;
        }
    });
    said.into_iter().all(|s| s)
}

/// The last line of `above` that names the page the way a manual page does, `NAME — summary`
/// (`git-bisect - Use binary search to find the commit that introduced a bug`, `pg_dump — extract
/// a PostgreSQL database …`), its name one word that the page `title` holds: its span.
pub(super) fn name_line(above: &str, title: &str) -> Option<(usize, usize)> {
    let title_terms = super::term_set(title);
    lines(above)
        .filter_map(|(start, line)| {
            let line = line.trim_end();
            let (name, summary) = [" - ", " — ", " – "]
                .iter()
                .find_map(|sep| line.split_once(sep))?;
            let terms = indexer::lexical::analyze(name);
            (!name.contains(char::is_whitespace)
                && !summary.trim().is_empty()
                && !terms.is_empty()
                && terms.iter().all(|t| title_terms.contains(t)))
            .then_some((start, start + line.len()))
        })
        .last()
}

/// Returns true if `sentence` opens by speaking of the command a manual page is about: "This
/// command uses a binary search algorithm …", "The command takes various subcommands …", "This
/// cargo subcommand will vendor …".
pub(super) fn names_the_command(sentence: &str) -> bool {
    let mut words = sentence.split_whitespace();
    matches!(words.next(), Some("This" | "The")) && words.take(2).any(|w| w.ends_with("command"))
}

/// Returns true if `heading` is a manual page's "Description" section, numbered or not ("2.
/// Description" on a page whose title is the command it describes).
pub(super) fn is_description(heading: &str) -> bool {
    unnumbered(heading).eq_ignore_ascii_case("description")
}

/// `heading` without the section number it opens with ("2.1. Description" is "Description").
pub(super) fn unnumbered(heading: &str) -> &str {
    let heading = heading.trim();
    let number = heading.split_once(char::is_whitespace).filter(|(n, _)| {
        n.ends_with('.') && n.split('.').all(|p| p.chars().all(|c| c.is_ascii_digit()))
    });
    number.map_or(heading, |(_, rest)| rest.trim_start())
}

/// Where `part`, a slice of `text`, starts in it.
pub(super) fn offset_in(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// The name of the type `line` declares ([`declared_name`]) when parentheses after it, if any,
/// hold its fields (`pub struct ReadDir(/* private fields */);`, a statement): a declaration with
/// parameters is otherwise a call's signature (`class ThreadPoolExecutor(max_workers=None)`).
/// Parentheses among its type parameters (`pub struct LazyLock<T, F = fn() -> T>`) are not its.
pub(super) fn declared_type(line: &str) -> Option<&str> {
    let name = declared_name(line)?;
    let after = &line[offset_in(line, name) + name.len()..];
    // Past the type parameters, brackets balanced.
    let mut depth = 0;
    let rest = after.trim_start_matches(|c: char| {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth == 0 => return false,
            _ => {}
        }
        true
    });
    (!rest.starts_with('(') || line.trim_end().ends_with(';')).then_some(name)
}

/// The name a declaration declares, when `text` opens with one: the word after the kind of type it
/// declares and its modifiers, written as code (`HashMap` of `pub struct HashMap<K, V> { /*
/// private fields */ }`, `LinkedHashSet` of `public class LinkedHashSet<E> extends HashSet<E>
/// implements Set<E>`). What follows the name (its type parameters, what it extends and
/// implements) is not what it names. A heading in words ("Class Methods", "Interface Libraries")
/// declares nothing.
pub(super) fn declared_name(text: &str) -> Option<&str> {
    const MODIFIERS: &[&str] = &[
        "pub",
        "public",
        "protected",
        "private",
        "static",
        "final",
        "abstract",
        "sealed",
        "non-sealed",
        "export",
        "unsafe",
        "annotation",
        "pub(crate)",
    ];
    const DECLARES: &[&str] = &[
        "class",
        "interface",
        "struct",
        "enum",
        "trait",
        "union",
        "record",
    ];
    let mut declared = false;
    for word in text.split_whitespace() {
        if DECLARES.contains(&word) {
            declared = true;
        } else if declared || !MODIFIERS.contains(&word) {
            let name = word
                .split(['<', '{', '(', ':', ';'])
                .next()
                .unwrap_or("")
                .trim_end_matches([',', '.']);
            let identifier = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '$'));
            return (declared && identifier).then_some(name);
        }
    }
    None
}

/// `name` without the word after it that says what kind of thing it is ("ServerRoot Directive":
/// "ServerRoot"), when that word is written as a word (not in capitals, which name a command:
/// "CREATE FUNCTION") and something is left.
pub(super) fn without_kind(name: &str) -> &str {
    let trimmed = name.trim_end();
    match trimmed.rsplit_once(' ') {
        Some((rest, last))
            if !rest.trim().is_empty()
                && last.chars().any(char::is_lowercase)
                && super::definition::KINDS
                    .iter()
                    .any(|k| last.eq_ignore_ascii_case(k)) =>
        {
            rest
        }
        _ => name,
    }
}

/// Returns true if a passage's first table row can be the table's header: no cell says a sentence.
/// A passage may open in the middle of a table, with a row of data ("loop.index | The current
/// iteration of the loop. (1 indexed)", its header "Variable | Description" in the passage before).
pub(super) fn may_be_header(row: &str) -> bool {
    row.split(indexer::vector::sentences::TABLE_CELL)
        .all(|cell| {
            let cell = cell.trim();
            // A header may ask ("Header/body checks?"); it states nothing.
            !cell.ends_with('.') && !cell.contains(". ")
        })
}

/// Returns true if a table row's first cell names a field ("Description:"), not a column.
pub(super) fn opens_with_field(row: &str) -> bool {
    row.split(indexer::vector::sentences::TABLE_CELL)
        .next()
        .is_some_and(|cell| cell.trim_end().ends_with(':'))
}

/// Returns true if `line` is a console banner, the output a command prints around its report
/// (`=== test session starts ===`, `____ test_answer ____`), not the command itself.
pub(super) fn is_banner(line: &str) -> bool {
    let line = line.trim();
    ["===", "___"]
        .iter()
        .any(|rule| line.starts_with(rule) && line.ends_with(rule))
}

/// Returns true if `line` opens with a sentence too short to quote alone ("Lists event
/// triggers." of "Lists event triggers. If pattern is specified, …"): a capital, words of
/// letters, a full stop.
pub(super) fn opens_with_statement(line: &str) -> bool {
    let Some(&(start, end)) = sentence_spans(line).first() else {
        return false;
    };
    let sentence = &line[start..end];
    sentence.starts_with(char::is_uppercase)
        && sentence.strip_suffix('.').is_some_and(|words| {
            words.split_whitespace().all(|w| {
                w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, ',' | '-' | '\''))
            })
        })
}

/// Returns true if `line` reads as prose (sentences), not as code or a listing.
pub(super) fn reads_as_prose(line: &str) -> bool {
    // A sentence may end inside a parenthesis or a quotation ("(For multiword prompts, surround
    // the text with single quotes.)").
    line.trim_end()
        .trim_end_matches([')', ']', '"', '\'', '”', '’'])
        .ends_with(['.', ':', '!', '?'])
        && sentence_spans(line)
            .first()
            .is_some_and(|&(a, b)| standalone_words(&line[a..b]).is_some())
}

/// Returns true if `line` is an item of a list a colon introduced, written as the rest of the
/// sentence that introduces it: a whole line that opens with a lower-case word and ends as a
/// sentence does ("autoescaping is enabled for all templates ending in .html, .htm, .xml as well as
/// .xhtml when using render_template()." under "Jinja2 is configured by Flask as follows:"). Not an
/// indented line, which is code, nor a parameter's line (`args <string[]> array of argument
/// strings.`), which describes the parameter under its call's entry.
pub(super) fn is_lowercase_item(line: &str) -> bool {
    line.starts_with(char::is_lowercase)
        && !is_typed_name(line)
        && line
            .trim_end()
            .trim_end_matches([')', '"', '\'', '”', '’'])
            .ends_with(['.', '!', '?'])
}

/// Returns true if `line`, right under a short term, glosses it in a phrase of at most three
/// lower-case words with nothing of code (`**` over "exponentiation", `&` over "bitwise AND", a
/// glob qualifier `/` over "directories"): an operator table or a list of qualifiers laid out as
/// a definition list. Not when a sentence follows it (`next`): then it is a second term over one
/// description (Octave's `shortg`, then `longg`, then "Optimally choose between fixed point and
/// exponential format …").
pub(super) fn is_gloss(line: &str, next: Option<&str>) -> bool {
    let line = line.trim();
    let sentence_follows = next.is_some_and(|n| {
        let n = n.trim();
        n.starts_with(char::is_uppercase) && n.split_whitespace().count() >= 4
    });
    !sentence_follows
        && line.starts_with(|c: char| c.is_lowercase())
        && (1..=3).contains(&line.split_whitespace().count())
        && line
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == ',' || c == '-')
}

/// Returns true if `line`, right under a short term, is its description written as a phrase in
/// lower case without a full stop (Doxygen's fields: "refresh rate (or zero for unspecified)"
/// under `int SDL_DisplayMode::refresh_rate`): at least three words, not code.
pub(super) fn is_lowercase_description(line: &str) -> bool {
    let line = line.trim_end();
    line.starts_with(char::is_lowercase)
        && !is_typed_name(line)
        && line.split_whitespace().count() >= 3
        && !line.ends_with([':', ',', ';', '{', '(', '=', '\\'])
        && !line.contains(['{', '}', ';', '='])
}
