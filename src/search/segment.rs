//! From a text to the terms a search compares: Chinese is segmented into words by jieba
//! (`jieba-rs`, the Rust port of the standard Chinese segmenter, its dictionary embedded) in
//! search mode, which also yields the shorter words inside a long one (停车场 gives 停车 too),
//! so two wordings meet on their parts. Latin words are lowercased; punctuation, numbers and
//! stop words are dropped; the zone's synonyms are folded onto one spelling (断电 and 停电, 重卡
//! and 货车), since companies say the same thing in many ways.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use jieba_rs::Jieba;

/// A term and how many times it occurs.
pub type TermCounts = BTreeMap<String, u32>;

/// The longest term kept (in characters); longer tokens are cut, which the index's CHECK needs.
pub const MAX_TERM_CHARS: usize = 32;

/// The segmenter and its dictionary (≈ 350,000 words), built once on first use: immutable data,
/// shared by every caller of the process, like a compiled-in table.
static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for word in ZONE_WORDS {
        jieba.add_word(word, Some(20_000), None);
    }
    jieba
});

/// Words of the zone's trade that the general dictionary splits apart.
const ZONE_WORDS: &[&str] = &[
    "重卡",
    "限高杆",
    "限行",
    "通行证",
    "跳闸",
    "增容",
    "报装",
    "水压",
    "气价",
    "燃气费",
    "接驳",
    "环评",
    "排污许可",
    "危废",
    "稳岗补贴",
    "社保",
    "公积金",
    "贴息",
    "转贷",
    "专精特新",
    "高企",
    "加计扣除",
    "入学",
    "学位",
    "用地指标",
    "红线",
    "竣工验收",
    "消防验收",
    "施工许可",
    "渣土车",
    "停电",
    "停水",
    "断电",
    "断水",
    "降压",
    "漏水",
    "爆管",
    "招工",
    "用工",
    "人才公寓",
    "宿舍",
];

/// Words that say nothing about the problem: function words, politeness, the request's frame
/// ("please help solve as soon as possible") and words every request of a zone shares.
const STOP_WORDS: &[&str] = &[
    "的",
    "了",
    "是",
    "在",
    "和",
    "与",
    "及",
    "或",
    "也",
    "就",
    "都",
    "而",
    "并",
    "且",
    "又",
    "还",
    "把",
    "被",
    "让",
    "给",
    "对",
    "向",
    "从",
    "到",
    "为",
    "以",
    "于",
    "由",
    "等",
    "着",
    "过",
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "嘛",
    "哦",
    "个",
    "些",
    "这",
    "那",
    "这个",
    "那个",
    "这些",
    "那些",
    "这样",
    "那样",
    "其",
    "我",
    "我们",
    "我司",
    "我厂",
    "本公司",
    "本厂",
    "你们",
    "贵",
    "他们",
    "它",
    "大家",
    "自己",
    "公司",
    "企业",
    "单位",
    "有限公司",
    "有限",
    "请",
    "请问",
    "希望",
    "能否",
    "能不能",
    "能",
    "可以",
    "可否",
    "是否",
    "一下",
    "帮忙",
    "帮助",
    "协助",
    "麻烦",
    "尽快",
    "及时",
    "早日",
    "问题",
    "情况",
    "事情",
    "目前",
    "现在",
    "最近",
    "近期",
    "已经",
    "一直",
    "还是",
    "仍然",
    "仍",
    "相关",
    "有关",
    "部门",
    "解决",
    "处理",
    "反映",
    "反馈",
    "咨询",
    "了解",
    "一些",
    "很多",
    "非常",
    "特别",
    "比较",
    "很",
    "太",
    "有",
    "没",
    "不",
    "没有",
    "无",
    "会",
    "要",
    "需要",
    "想",
    "如何",
    "怎么",
    "怎样",
    "什么",
    "哪些",
    "多少",
    "几",
    "多",
    "该",
    "此",
    "之",
    "所",
    "因",
    "因为",
    "所以",
    "但是",
    "但",
    "如果",
    "导致",
    "造成",
    "影响",
    "严重",
    "正常",
    "一",
    "每",
    "次",
    "后",
    "前",
    "中",
    "上",
    "下",
    "里",
    "内",
    "时",
    "天",
    "月",
    "年",
    "日",
    "期间",
    "谢谢",
    "感谢",
    "您好",
    "你好",
    "具体",
    "其他",
];

/// The zone's synonyms: each spelling on the left is indexed and searched as the one on the
/// right (one canonical term per meaning).
const SYNONYMS: &[(&str, &str)] = &[
    ("断电", "停电"),
    ("没电", "停电"),
    ("掉电", "停电"),
    ("限电", "停电"),
    ("断水", "停水"),
    ("没水", "停水"),
    ("供水", "用水"),
    ("自来水", "用水"),
    ("重卡", "货车"),
    ("大货车", "货车"),
    ("卡车", "货车"),
    ("大车", "货车"),
    ("载重车", "货车"),
    ("重型车", "货车"),
    ("马路", "道路"),
    ("公路", "道路"),
    ("路面", "道路"),
    ("坑洼", "破损"),
    ("损坏", "破损"),
    ("开裂", "破损"),
    ("塌陷", "破损"),
    ("天然气", "燃气"),
    ("煤气", "燃气"),
    ("气价", "燃气价格"),
    ("价钱", "价格"),
    ("收费", "价格"),
    ("招工", "招聘"),
    ("招人", "招聘"),
    ("职工", "员工"),
    ("工人", "员工"),
    ("借款", "贷款"),
    ("放款", "贷款"),
    ("厂房", "厂区"),
    ("车间", "厂区"),
];

fn canonical(word: &str) -> &str {
    SYNONYMS
        .iter()
        .find(|(from, _)| *from == word)
        .map_or(word, |(_, to)| to)
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// A token worth keeping: it has a letter (Chinese or Latin), is not a stop word.
fn keep(word: &str) -> bool {
    word.chars().any(char::is_alphabetic) && !is_stop_word(word) && !is_numeral(word)
}

/// Chinese numerals and the words that count with them.
const NUMERAL_CHARS: &str = "零一二三四五六七八九十百千万亿两几半多余第";
/// Measure words that follow a numeral (三四次, 五十名, 两百多人).
const MEASURE_CHARS: &str = "个次名人天年月周元件台辆家多余吨米号位点层间批项千万百十";

/// A number said in words (一千二百, 三四次, 五十名): the figures of a request differ from one
/// wording to the next and say nothing of which problem it is.
fn is_numeral(word: &str) -> bool {
    let numeral = |c: char| NUMERAL_CHARS.contains(c) || c.is_ascii_digit();
    let mut chars: Vec<char> = word.chars().collect();
    if chars.iter().all(|c| numeral(*c)) {
        return true;
    }
    let last = chars.pop();
    !chars.is_empty() && chars.iter().all(|c| numeral(*c)) && last.is_some_and(|c| MEASURE_CHARS.contains(c))
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Bigram terms start with this mark, which no word term does (it is stripped from words).
pub const BIGRAM_MARK: char = '#';

/// The terms of `text` with their counts, as indexed and as searched: jieba's words in search
/// mode (synonyms folded), and the character pairs (bigrams, marked `#`) of each run of kept
/// Chinese words. Two wordings of one problem often share no whole word where they share
/// characters (变压器 and 变压, 频繁断电 and 经常停电 meet on 停电 only after folding, 工业大道
/// and 大道 on 大道): bigrams, the classic unit of Chinese retrieval, catch that, and words keep
/// their own weight. Measured on the labelled set (docs/similar-requests.md).
pub fn terms(text: &str) -> TermCounts {
    let mut counts = TermCounts::new();
    let lowered = text.to_lowercase();
    for token in JIEBA.cut_for_search(&lowered, true) {
        let word = token.word.trim().trim_start_matches(BIGRAM_MARK);
        if !keep(word) {
            continue;
        }
        let word = canonical(word);
        let word: String = word.chars().take(MAX_TERM_CHARS).collect();
        *counts.entry(word).or_insert(0) += 1;
    }
    let mut run: Vec<char> = Vec::new();
    let mut runs: Vec<Vec<char>> = Vec::new();
    for token in JIEBA.cut(&lowered, true) {
        let word = token.word.trim();
        if !word.is_empty() && word.chars().all(is_han) && keep(word) {
            run.extend(word.chars());
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs.push(run);
    for pair in runs.iter().flat_map(|run| run.windows(2)) {
        let bigram: String = std::iter::once(BIGRAM_MARK).chain(pair.iter().copied()).collect();
        *counts.entry(bigram).or_insert(0) += 1;
    }
    counts
}

/// The number of terms (with repeats): a document's length for BM25.
pub fn length(terms: &TermCounts) -> u32 {
    terms.values().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_chinese_into_words_not_one_token() {
        let t = terms("园区道路被重卡压坏了，坑洼很多");
        assert!(t.contains_key("道路"), "{t:?}");
        assert!(t.contains_key("货车"), "重卡 folds onto 货车: {t:?}");
        assert!(t.contains_key("破损"), "坑洼 folds onto 破损: {t:?}");
        assert!(!t.contains_key("了"), "stop words dropped: {t:?}");
        assert!(t.len() >= 4, "{t:?}");
    }

    #[test]
    fn synonyms_meet_and_punctuation_and_numbers_go() {
        let a = terms("厂区断电，3号车间全部停工！");
        let b = terms("我们厂停电了");
        assert!(a.contains_key("停电") && b.contains_key("停电"), "{a:?} {b:?}");
        assert!(a.keys().all(|k| k.chars().any(char::is_alphabetic)), "{a:?}");
        let n = terms("一线员工说断电三四次，一千二百千伏安");
        assert!(
            !n.keys()
                .any(|k| ["三四次", "一千", "一千二百", "三四"].contains(&k.as_str())),
            "{n:?}"
        );
        assert!(
            n.contains_key("一线"),
            "a word that only starts with a numeral stays: {n:?}"
        );
    }

    #[test]
    fn chinese_runs_give_character_pairs_that_words_miss() {
        let a = terms("变压器负荷不够");
        let b = terms("申请变压增容");
        assert!(a.contains_key("#变压") && b.contains_key("#变压"), "{a:?} {b:?}");
        assert!(a.contains_key("#器负"), "pairs cross the joins of kept words: {a:?}");
        assert!(
            !terms("变压器的负荷").contains_key("#器负"),
            "a dropped word breaks the run"
        );
        let c = terms("的的的");
        assert!(c.is_empty(), "stop words make no pairs: {c:?}");
    }

    #[test]
    fn latin_words_are_lowercased_and_counted() {
        let t = terms("ERP 系统 erp 对接");
        assert_eq!(t.get("erp"), Some(&2), "{t:?}");
    }

    #[test]
    fn a_long_token_is_cut_to_the_longest_term() {
        let t = terms(&"x".repeat(200));
        assert!(t.keys().all(|k| k.chars().count() <= MAX_TERM_CHARS), "{t:?}");
    }
}
