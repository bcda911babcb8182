//! A deterministic generator of realistic blogs in the user's format, for the
//! benchmarks: the same seed and size always give the same files.
//!
//! Posts mix Traditional Chinese and English, have 2–10 KB bodies with
//! headings, lists, code, links, images and shortcodes, 1–5 tags from a pool
//! of 300 (CJK and punctuation included) and 1–2 of 20 categories; about 8%
//! are drafts and 2% are dated in the future.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

/// A small, fast, deterministic random number generator (SplitMix64): the
/// corpus must not depend on a crate's algorithm changing between versions.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const ZH_WORDS: &[&str] = &[
    "開源",
    "模型",
    "半導體",
    "供應鏈",
    "雲端",
    "資料",
    "工程師",
    "架構",
    "效能",
    "部署",
    "測試",
    "使用者",
    "社群",
    "產業",
    "研究",
    "教育",
    "市場",
    "硬體",
    "軟體",
    "網路",
    "安全",
    "隱私",
    "演算法",
    "平台",
    "生態系",
    "工具",
    "文件",
    "版本",
    "更新",
    "趨勢",
    "咖啡",
    "台北",
    "城市",
    "旅行",
    "閱讀",
    "寫作",
    "筆記",
    "觀察",
    "經驗",
    "問題",
];
const ZH_GLUE: &[&str] = &["的", "與", "在", "是", "讓", "把", "從", "對", "和", "也"];
const EN_WORDS: &[&str] = &[
    "the", "feed", "reader", "open", "source", "model", "build", "cache", "latency", "rust",
    "server", "client", "deploy", "release", "kernel", "network", "storage", "index", "query",
    "render", "parse", "token", "stream", "thread", "memory", "design", "review", "test", "simple",
    "fast", "careful", "because", "while", "after", "before", "with", "without",
];
const CATEGORY_NAMES: &[&str] = &[
    "科技巨頭觀察",
    "產業分析",
    "Engineering",
    "生活",
    "Service Mesh",
    "AI 研究",
    "讀書筆記",
    "Open Source",
    "雲端架構",
    "DevOps",
    "Security",
    "資料工程",
    "旅行",
    "攝影",
    "Career",
    "Programming Languages",
    "硬體",
    "Startups",
    "教育",
    "Notes",
];
const TAG_STEMS: &[&str] = &[
    "AI",
    "Rust",
    "Go",
    "C++",
    "C#",
    "CI/CD",
    "Kubernetes",
    "NVIDIA",
    "黃仁勳",
    "開源",
    "半導體",
    "台積電",
    "咖啡",
    "台北",
    "LLM",
    "RSS",
    "Linux",
    "WebAssembly",
    "Postgres",
    "Redis",
    "機器學習",
    "資安",
    "雲端",
    "Docker",
    "Node.js",
    "Python",
    "TypeScript",
    "React",
    "Vue",
    "SQLite",
];

/// The pool of 300 tags: stems, and stems with a number, a suffix or
/// punctuation, so spellings collide the way real ones do.
pub fn tag_pool() -> Vec<String> {
    let suffixes = [
        "",
        " 2",
        "：入門",
        " Tips",
        "-101",
        " (中文)",
        " & More",
        "!",
        "／筆記",
        " 2025",
    ];
    let mut pool = Vec::new();
    for suffix in suffixes {
        for stem in TAG_STEMS {
            pool.push(format!("{stem}{suffix}"));
        }
    }
    pool
}

fn sentence(rng: &mut Rng, zh: bool) -> String {
    let mut s = String::new();
    let words = 8 + rng.below(14);
    for i in 0..words {
        if zh {
            s.push_str(rng.pick(ZH_WORDS));
            if i + 1 < words {
                s.push_str(rng.pick(ZH_GLUE));
            }
        } else {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(rng.pick(EN_WORDS));
        }
    }
    s.push_str(if zh { "。" } else { "." });
    s
}

fn paragraph(rng: &mut Rng, zh: bool) -> String {
    let mut p = String::new();
    for _ in 0..(2 + rng.below(4)) {
        p.push_str(&sentence(rng, zh));
        if !zh {
            p.push(' ');
        }
    }
    p.trim_end().to_owned()
}

fn body(rng: &mut Rng, n: usize, posts: usize, size: Option<usize>) -> String {
    let target = size.unwrap_or_else(|| 2_000 + rng.below(8_000));
    let zh = rng.chance(60);
    let mut b = String::with_capacity(target + 512);
    b.push_str(&paragraph(rng, zh));
    b.push_str("\n\n<!--more-->\n\n");
    let mut block = 0;
    while b.len() < target {
        match block % 7 {
            0 => {
                let _ = writeln!(
                    b,
                    "## {}\n",
                    sentence(rng, zh).trim_end_matches(['。', '.'])
                );
            }
            1 => {
                for _ in 0..(2 + rng.below(4)) {
                    let _ = writeln!(b, "- {}", sentence(rng, zh));
                }
                b.push('\n');
            }
            2 => {
                let _ = writeln!(
                    b,
                    "```rust\nfn step_{block}(x: u64) -> u64 {{\n    x.wrapping_mul({}) ^ (x >> 7)\n}}\n```\n",
                    rng.below(1000)
                );
            }
            3 => {
                let other = rng.below(posts.max(1));
                let _ = writeln!(
                    b,
                    "See [post {other}](/posts/post-{other:06}/) and [the spec](https://www.rssboard.org/rss-specification). ![圖 {n}](images/figure-{block}.png)\n"
                );
            }
            4 if rng.chance(30) => {
                let _ = writeln!(b, "{{{{< youtube id{:08x} >}}}}\n", rng.next() as u32);
            }
            5 => {
                let _ = writeln!(b, "> {}\n", sentence(rng, zh));
            }
            _ => {
                b.push_str(&paragraph(rng, zh));
                b.push_str("\n\n");
            }
        }
        block += 1;
    }
    b
}

/// One post's file text; its body is 2–10 KB, or about `body` bytes.
pub fn post(
    rng: &mut Rng,
    n: usize,
    posts: usize,
    tags: &[String],
    body_bytes: Option<usize>,
) -> String {
    let zh_title = rng.chance(60);
    let title = sentence(rng, zh_title)
        .trim_end_matches(['。', '.'])
        .replace('"', "");
    // Spread over ten years, with ~2% in the future.
    let future = rng.chance(2);
    let year = if future { 2099 } else { 2016 + rng.below(10) };
    let date = format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:00+08:00",
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60)
    );
    let mut post_tags: Vec<&str> = Vec::new();
    for _ in 0..(1 + rng.below(5)) {
        let t = &tags[rng.below(tags.len())];
        if !post_tags.contains(&t.as_str()) {
            post_tags.push(t);
        }
    }
    let mut cats = vec![rng.pick(CATEGORY_NAMES)];
    if rng.chance(30) {
        let c = rng.pick(CATEGORY_NAMES);
        if !cats.contains(&c) {
            cats.push(c);
        }
    }
    let quote = |s: &[&str]| {
        s.iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let draft = rng.chance(8);
    let mut text = format!(
        "---\ntitle: \"{title}\"\ndate: {date}\ndescription: \"{}\"\ntags: [{}]\ncategories: [{}]\ndraft: {draft}\n",
        sentence(rng, zh_title).replace('"', ""),
        quote(&post_tags),
        quote(&cats),
    );
    if rng.chance(20) {
        let _ = writeln!(
            text,
            "source_url: \"https://www.youtube.com/watch?v=v{:08x}\"\nsource_name: \"Talk {n}\"",
            rng.next() as u32
        );
    }
    text.push_str("---\n\n");
    text.push_str(&body(rng, n, posts, body_bytes));
    text
}

/// Writes a site of `posts` posts into `dir` (`feedsmith.yaml`, `content/`),
/// with bodies of 2–10 KB or of about `body_bytes`. Returns the bytes of
/// Markdown written.
pub fn generate(
    dir: &Path,
    seed: u64,
    posts: usize,
    limit: usize,
    body_bytes: Option<usize>,
) -> std::io::Result<u64> {
    let content = dir.join("content/posts");
    std::fs::create_dir_all(&content)?;
    std::fs::write(
        dir.join("feedsmith.yaml"),
        format!(
            "title: \"基準測試 Benchmark Blog\"\ndescription: \"A generated blog\"\nbase_url: \"https://bench.example.com/\"\nlanguage: \"zh-TW\"\nauthor:\n  name: \"林書衡\"\n  email: \"editor@example.com\"\ntimezone: \"Asia/Taipei\"\nlimit: {limit}\n"
        ),
    )?;
    let tags = tag_pool();
    let mut rng = Rng::new(seed);
    let mut bytes = 0;
    for n in 0..posts {
        let text = post(&mut rng, n, posts, &tags, body_bytes);
        bytes += text.len() as u64;
        std::fs::write(content.join(format!("post-{n:06}.md")), text)?;
    }
    Ok(bytes)
}
