"""Cue lexicons for income statements (Chinese and English), precompiled at import.

Each cue category is one regex; amounts.py uses them to describe money candidates and the rules
backend uses them to decide. Keep the words here so a learned model and the rules share them.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


# --- periods (value: period name) ----------------------------------------------------------

# a weekday after 礼拜/星期 (礼拜天 = Sunday, 星期六 = Saturday) names a day, not "per week"
_NOT_WEEKDAY = r"(?![一二三四五六日天])"
PERIOD_BEFORE: list[tuple[re.Pattern[str], str]] = [
    (
        _rx(
            # 几个月 / 那几个月 is how long, not how often (一年就忙那几个月，赚个两三万)
            # 5月入职 / 1日入职 is when someone joined, not 月入 / 日入 (年入职 is left as it was:
            # amounts' _YEAR_AFTER reads 2019年入 as money unless 年入 stays a period cue)
            r"月薪|月入(?!职|住|学)|月收入|月均|月工资|月缴|每个?月|一个月|(?<!几)个月|月度|按月|"
            r"月\s*[:：]?$|"
            # 月利润, 月净收入, 月租, 月运费收入: 月 + a few characters + a kind of income
            r"月[^\d\s，。,;；:：年]{0,3}?(?:收入|收益|利润|盈余|工资|租金?|流水|营业额|营收|进账)|"
            # 月到手 3 万, 月税后, 月实发
            r"月(?:到手|实发|实得|实拿|税后|税前)|"
            r"monthly|a month|per month|(?:every|each) month"
        ),
        "month",
    ),
    (
        _rx(
            r"年薪|年包|年收入|年工资|年入|年均|每年|一年|全年|年度|去年|今年|年营业额|"
            r"(?<!半)年[^\d\s，。,;；:：月]{0,4}?(?:收入|收益|利润|盈余|工资|租金?|流水|营业额|营收|进账)|"
            r"annual|yearly|per annum|a year|last year|(?:every|each) year|"
            r"(?:financial|fiscal|tax) year"
        ),
        "year",
    ),
    (
        _rx(
            r"周薪|周工资|周收入|每周|一周|每个?星期|一个?星期"
            + _NOT_WEEKDAY
            # 礼拜 = week; 每个礼拜六 is every Saturday (as 每周六), once a week
            + r"|每个?礼拜|一个?礼拜"
            + _NOT_WEEKDAY
            # 一个周末挣四百: once a week
            + r"|(?:每|一)个?周末|周结|周入|weekly|a week|per week|(?:every|each) week"
        ),
        "week",
    ),
    (
        _rx(
            # 一日四百 (Cantonese), not a date (三月一日, 十一日)
            r"日薪|日工资|日收入|日入(?!职|住|学)|日结|日均|每天|一天|每日|按天|"
            r"(?<![月\d零一二三四五六七八九十初])一日|"
            r"每个?工作日|一个工作日|天\s*$|"
            # a night's or an evening's pay counts as a day's (每晚纯挣一百二, 一晚上给八十)
            r"每个?晚上?|一个?晚上|一晚|每夜|"
            r"daily|a day|per day|(?:every|each) day\b|day[- ]rate|"
            r"(?:a|per|every|each) (?:night|evening)\b|one day\b(?! (?:I|we|he|she|you|they)\b)"
        ),
        "day",
    ),
]
_GAP = r"^\s*(?:(?:元|块钱?|[A-Za-z$€£¥.()（）]{1,8})\s*){0,2}"
PERIOD_AFTER: list[tuple[re.Pattern[str], str]] = [
    (
        _rx(
            _GAP
            + r"(?:/\s*(?:月|mo|month)\b|/月|每月|每个月|一个月|a month|per month|monthly|month)"
        ),
        "month",
    ),
    (
        _rx(
            _GAP
            + r"(?:/\s*(?:年|yr|year)\b|/年|每年|一年|a year|per year|annually|per annum|yearly"
            + r"|(?:every|each) year|PA\b|p\.a\.|pa\b)"
        ),
        "year",
    ),
    (
        _rx(
            _GAP
            + r"(?:/\s*(?:周|wk|week)\b|/周|每周|一周|(?:每|一)个?(?:星期|礼拜)"
            + _NOT_WEEKDAY
            + r"|a week|per week|weekly|(?:every|each) week)"
        ),
        "week",
    ),
    (
        _rx(
            _GAP
            + r"(?:/\s*(?:天|日|day|night)\b|/天|/日|/晚|每天|一天|每个?晚上?|一个?晚上?|每夜|一夜"
            + r"|a day|per day|daily|(?:every|each) day|(?:a|per|every|each) (?:night|evening)\b"
            + r"|nightly)"
        ),
        "day",
    ),
]

# --- currencies ------------------------------------------------------------------------------

# (pattern, ISO code); order matters: longer marks first
CURRENCY_BEFORE: list[tuple[re.Pattern[str], str]] = [
    (_rx(r"(?:US\$|USD|US\s\$|usd\$)\s*$"), "USD"),
    (_rx(r"(?:\bC\s?\$|CA\$|CAD\$?)\s*$"), "CAD"),
    (_rx(r"(?:\bA\s?\$|AU\$|AUD\$?)\s*$"), "AUD"),
    (_rx(r"(?:NZ\$|NZD\$?)\s*$"), "NZD"),
    (_rx(r"(?:Mex\$|MXN\$?)\s*$"), "MXN"),
    (_rx(r"(?:HK\s\$)\s*$"), "HKD"),
    (_rx(r"(?:CHF)\s*$"), "CHF"),
    (_rx(r"(?:HK\$|HKD|港币)\s*$"), "HKD"),
    (_rx(r"(?:(?<![A-Z])S\$|SGD|新币)\s*$"), "SGD"),
    (_rx(r"(?:RMB|CNY|人民币|¥|￥)\s*$"), "CNY"),
    (_rx(r"(?:€|EUR)\s*$"), "EUR"),
    (_rx(r"(?:£|GBP)\s*$"), "GBP"),
    (_rx(r"(?:JPY|日元)\s*$"), "JPY"),
    (_rx(r"(?:MOP\$?|澳门币|澳门元)\s*$"), "MOP"),
    (_rx(r"(?:NT\$|TWD)\s*$"), "TWD"),
    (_rx(r"(?:₹|\bRs\.?|\bINR)\s*$"), "INR"),
    (_rx(r"(?:\bAED|\bDhs?\.?)\s*$"), "AED"),
    (_rx(r"(?:₩|\bKRW)\s*$"), "KRW"),
    (_rx(r"(?:\bRM|\bMYR)\s*$"), "MYR"),
    (_rx(r"\$\s*$"), "USD"),
]
# "63 grand a year in dollars", "8,000 in dollars?": a currency named after "in", with an optional
# period word between the number and it
_IN = r"^\s*(?:(?:(?:a|per) (?:year|month|week|day)|annually|monthly|yearly|weekly)?\s*\bin\s+)?"
CURRENCY_AFTER: list[tuple[re.Pattern[str], str]] = [
    (_rx(_IN + r"(?:港币|港元|港纸|HKD|HK dollars?|Hong Kong dollars?)"), "HKD"),
    (_rx(_IN + r"(?:新币|新加坡元|SGD|Singapore dollars?)"), "SGD"),
    (_rx(_IN + r"(?:美元|美金|美刀|USD|US dollars?)"), "USD"),
    (_rx(_IN + r"(?:欧元|欧(?!洲)|EUR|euros?)"), "EUR"),
    (_rx(_IN + r"(?:英镑|GBP|pounds?(?: sterling)?)"), "GBP"),
    (_rx(_IN + r"(?:日元|JPY|yen)"), "JPY"),
    (_rx(r"^\s*(?:瑞士法郎|CHF|swiss francs?)"), "CHF"),
    (_rx(r"^\s*(?:新台币|台币|TWD)"), "TWD"),
    (_rx(r"^\s*(?:澳门币|澳门元|葡币|MOP|patacas?|Macau dollars?)"), "MOP"),
    # 澳币 / 澳刀 are Australian dollars (澳门币 / 澳门元 above are patacas)
    (_rx(_IN + r"(?:澳元|澳币|澳刀|澳洲元|AUD|australian dollars?)"), "AUD"),
    (_rx(_IN + r"(?:纽币|纽元|纽刀|新西兰元|NZD|NZ dollars?|New Zealand dollars?)"), "NZD"),
    (_rx(_IN + r"(?:加元|加币|加刀|CAD|canadian dollars?)"), "CAD"),
    (_rx(r"^\s*(?:chinese yuan)"), "CNY"),
    (_rx(_IN + r"(?:卢比|INR|(?:Indian )?rupees?)"), "INR"),
    (_rx(r"^\s*(?:迪拉姆|AED|dirhams?)"), "AED"),
    (_rx(r"^\s*(?:韩元|KRW|(?:Korean )?won\b)"), "KRW"),
    (_rx(r"^\s*(?:马币|林吉特|MYR|ringgits?)"), "MYR"),
    (_rx(r"^\s*\$"), "USD"),
    (_rx(r"^\s*€"), "EUR"),
    (_rx(r"^\s*£"), "GBP"),
    (_rx(r"^\s*[¥￥]"), "CNY"),
    (_rx(r"^\s*(?:元人民币|人民币|元|块钱|块|蚊|RMB|CNY|yuan|kuai)"), "CNY"),
    (_rx(_IN + r"(?:RMB|CNY|yuan|renminbi)"), "CNY"),
    # 刀 (dollar) alone: 一千五百刀, 净落九百刀左右
    (_rx(r"^\s*刀"), "USD"),
    (_rx(_IN + r"dollars?"), "USD"),
]

# --- tax -------------------------------------------------------------------------------------

# "net" is after tax only next to pay words or a figure ("net 大概 1 万 8", "net that's about
# NZ$1,410"); net profit / net income / 净利润 / 净赚 and the verb ("I net around S$900 after
# fuel") are net of costs (CUES["profit"]), not of tax.
# "in hand" / "in-hand" (Indian and Hong Kong usage) is take-home pay, but "cash in hand" is how
# gig pay is paid, not a tax statement.
_NET_FILLER = (
    r"(?:\s*(?:that'?s|that is|it'?s|it is|is|was|comes? to|works? out (?:at|to)|of|about|around|"
    r"roughly|approx\.?|approximately|maybe|like|just under|just over|大概|大约|约|差不多|"
    r"[:：,，~～]))*"
)
AFTER_TAX = _rx(
    # 落到手里的利润 is profit kept, not take-home pay
    r"税后|到手(?!里?的?(?:利润|纯利|净利))|实发|实到|实得|实拿|"
    r"扣完税|扣税后|扣除个税|扣完社保公积金|"
    r"take[- ]home|after[- ]tax(?:es)?|(?<!cash[- ])\bin[- ]hand\b|"
    r"\b(?:after|net of) (?:all )?(?:the )?deductions\b|\bafter (?:PAYE|income tax)\b|"
    r"net (?:(?:annual|monthly|weekly|yearly|daily) )?(?:pay|salary|wage|wages|earnings)|"
    r"net (?:annual|monthly|weekly|yearly) income|net (?:monthly|of tax)|\(net\)|"
    # "€2,400 net a month", "4,800 pm net" (not "20k net profit")
    r"(?<=[\dkK万千])\s*net\b(?!\s+(?:profit|income|margin))|\bpm net\b|"
    r"(?:a month|per month|monthly|a year|"
    r"a week|per week|weekly)\s+net\b|\bnet\s*$|\bnet\s*(?=[\d$€£¥])|"
    # the verb ("I net around S$900 a week after fuel") is what a business keeps, not pay
    r"(?<!\bI )(?<!\bwe )(?<!\bto )(?<!\bcan )(?<!\bhe )(?<!\bshe )\bnet\b"
    + _NET_FILLER
    + r"(?=\s*(?:[A-Z]{1,3}\$|[A-Z]{3}\s?|[$€£¥₹])?\s*\d"
    r"|\s*[一二两三四五六七八九十])"
)
PRE_TAX = _rx(
    r"税前|应发|gross|pre[- ]tax|before tax(?:es)?|\bbefore (?:all )?(?:the )?deductions\b"
)

# --- context cue categories (name → regex) --------------------------------------------------

_NOT_SELF_ROLE = (
    r"(?<!\ba )(?<!\ban )(?<!-home )(?<!single )(?<!\bfor my )(?<!\bfor our )(?<!\bto my )"
    r"(?<!\bwith my )(?<!\bof my )"
)
CUES: dict[str, re.Pattern[str]] = {
    "income": _rx(
        r"工资|薪水|薪资|月薪|年薪|周薪|日薪|收入|月入|年入|挣|赚|到手|实发|底薪|发我|拿|领|income|salary|"
        r"earn|make|paid|pay|wage|get|on\b|receive|bring in|take[- ]home"
    ),
    # relatives and partners, in regional words too: 老伴, 那口子, 俺家男人, 孩子他爸, my mum
    "spouse": _rx(
        r"老婆|老公|妻子|丈夫|爱人|配偶|媳妇|对象|男朋友|女朋友|爸妈|父母|我爸|我妈|"
        # 全职妈妈 / 单亲爸爸 describe the speaker
        r"(?<!全职)(?<!单亲)(?:爸爸|妈妈)|儿子|女儿|"
        r"父亲|母亲|岳父|岳母|公公|婆婆|哥哥|姐姐|弟弟|妹妹|老伴儿?|那口子|老头子|老太婆|"
        r"(?:俺|我|咱)家(?:男人|女人|那位|那个|掌柜的?|老头|老婆子|汉子|婆娘|当家的)|当家的|"
        r"(?:孩子|娃|娃儿)(?:他|她)?(?:爸|妈|爹|娘)|"
        r"(?<!其)[他她](?!们)|"
        r"\b(?:wife|husband|spouse|partner|he|she|parents?|son|daughter|"
        r"brother|sister|boyfriend|girlfriend|fianc[ée]e?|"
        # a parent word is someone else unless it describes the speaker ("I'm a stay-at-home
        # dad", "a single mother") or is whom the speaker cares for ("carer for my mum")
        + _NOT_SELF_ROLE
        + r"(?:mother|father|mum|mom|mummy|mommy|dad|daddy|mother-in-law|father-in-law|"
        r"grandma|grandpa|grandmother|grandfather|granny))\b"
    ),
    "household": _rx(
        r"家庭|全家|两口子|老两口|夫妻|(?:我们|我|俺们|俺|咱们|咱)俩|我们家|俺们家|"
        r"我(?:和|跟|与)(?:老婆|老公|妻子|丈夫|爱人|媳妇|老伴儿?|那口子)|\btogether\b|"
        r"household|combined|family income|(?:wife|husband) and I"
    ),
    # 俺 is 我 in northern speech (俺们 is "we"; 俺家男人 is caught as a relative first)
    "self": _rx(r"我自己|本人|我个人|我|俺(?!们|俩)|自己|\bI\b|\bI'm\b|my own|\bmy\b|\bme\b"),
    "loan": _rx(r"贷款|贷|借款|借|额度|申请|首付|loan|borrow|credit limit|down payment|apply"),
    "repayment": _rx(
        r"月供|还款|还贷|还(?=\s*[\d一二两三四五六七八九十几])|房贷|车贷|repay|installment|mortgage"
    ),
    "debt": _rx(r"欠|负债|债|信用卡|owe|debt|credit card"),
    "bonus": _rx(r"奖金|年终奖|年终|季度奖|项目奖|奖励|分红|双薪|13薪|十三薪|bonus|13th month"),
    "provident": _rx(r"公积金|provident|housing fund"),
    "social": _rx(r"社保|五险|社会保险|social insurance|social security"),
    # what a business takes in before costs: 卖个三万 / 能卖一两千 (卖 right before a figure; not
    # 外卖, 买卖, nor 卖了 = sold once), takings, turns over, "I take about HK$1,500 a day"
    "turnover": _rx(
        r"流水|营业额|营收|营业收入|销售额|销售收入|毛收入|进账|(?:接活|接单|合同|营业)总?额|产值|"
        r"(?<![外买拍])卖(?:个|出去?)?(?=\s*(?:[\d两三四五六七八九几十百千万]|"
        r"一(?![个天年周月日晚礼星])))|"
        r"turnover|revenue|sales|takings|\bturn(?:s|ed)? over\b|"
        r"\btakes? (?:in )?(?:about |around |roughly |maybe |like )?"
        r"(?=(?:[A-Z]{1,3}\$|[$€£¥₹])\s*\d|\d)"
    ),
    # what is kept after costs: 交完份子油费剩七千, 扣完所有开销能落一万一, 除了本钱一天落个两百多块
    # (a deduction verb, then 剩/落 in the same clause; not 扣完税/社保, which is take-home pay, nor
    # 房租/月供/生活费, which is spending money); "after fuel and rental I clear HK$700", "so I keep
    # ₹600", "after Uber's cut"
    "profit": _rx(
        r"利润|净赚|纯利|净利|纯收入|净收入|纯挣|net (?:income|profit)|落袋|能赚|赚|除去|刨除|"
        r"能剩|净落|净剩|扣完成本|刨去|profit|"
        r"(?:扣|除|去掉|刨掉|交完|交了|减去|减掉|抛去|抛开)"
        r"(?:(?!税|社保|公积金|五险|房租|房贷|月供|生活费)[^，。,；;!！?？\d]){0,12}?"
        r"(?:剩|落)|(?:能|还能|纯|一年|一个月|一天|每月|每天)落(?:个|下)?|"
        r"落个(?=\s*[\d一二两三四五六七八九十几百千万])|"
        r"after (?:fuel|costs)|"
        r"\bafter\b(?:(?!\btax)[^.;\d]){0,40}?\b(?:I|we)\s+(?:clear|keep|pocket|net)\b|"
        r"\b(?:so|then|and)\s+(?:I|we)\s+(?:get to\s+)?(?:keep|clear|pocket)\b|"
        r"\bafter (?:\w+'s )?(?:cut|commission|fees|expenses|overheads)\b"
    ),
    "total": _rx(
        r"总共|合计|一共|加起来|总计|总收入|算上|加在一起|"
        r"in total|total|altogether|all together|all in"
    ),
    "part": _rx(r"其中|占|构成|组成|including|of which|made up of"),
    "rent": _rx(r"房租|租金|出租|租出去|收租|rent|rental|let out"),
    "rent_income": _rx(
        r"出租|租出去|收租|租金收入|房租收入|rent\b.{0,20}\bout\b|let out|collect .{0,20}rent|"
        r"rent from|rental income|rent (?:out )?(?:a|the|one) room in my"
    ),
    # rent the applicant pays (an expense), as opposed to rent_income
    "rent_paid": _rx(
        r"(?:交|付|花|缴|租房)[了的掉]?.{0,4}(?:房租|租金)|"
        r"(?:房租|租金|租房住?[，,]?)[^，,。；;]{0,6}(?:交|付|花|要|得)|"
        r"\b(?:pay|paying|spend|spending)\b[^.;,]{0,30}\brent\b|\bin rent\b|"
        r"\brent (?:is|costs|of)\b|\bmy rent\b|"
        r"\brent for (?:my|our) (?:flat|room|apartment|place|house)\b"
    ),
    # money that comes once, not every period
    "oneoff": _rx(
        r"一次性|一笔|红包|中奖|彩票|卖了|卖掉|变卖|遗产|赔偿|赔了|安家费|补偿金|拆迁|"
        r"one[- ]off|one[- ]time|lump[- ]sum|lottery|inherit|sold|windfall|\bonce\b|severance"
    ),
    # prices of property or goods, not income
    "price": _rx(
        r"房价|总价|首付|市值|估值|买的|买房|买车|售价|价值|值(?=\s*[\d一二两三四五六七八九十几])|"
        r"\bprice\b|\bworth\b|\bvalued at\b|\bbought\b|\bpurchase|down payment|\bcost me\b"
    ),
    # a phone or account number nearby
    "contact": _rx(r"电话|手机|手机号|微信|QQ|身份证|卡号|账号|phone|mobile|tel\b|WeChat|account"),
    "hourly": _rx(r"时薪|每小时|一小时|一个小时|按小时|per hour|an hour|hourly|/\s*h(?:ou)?r\b"),
    "upper": _rx(r"多的时候|最多|最高|好的时候|旺季|up to|at most|maximum|at best"),
    "pension": _rx(r"退休金|养老金|退休工资|pension"),
    "parttime": _rx(r"兼职|副业|外快|打零工|家教|part[- ]time|side job|tutoring|freelance"),
    "base": _rx(r"底薪|基本工资|基本|base|basic"),
    "commission": _rx(r"提成|佣金|绩效|commission"),
    "addition": _rx(r"另外|还有|加上|再加上|外加|还能|多挣|多个|plus|also|on top|as well|another"),
    "expense": _rx(
        r"花|用了|用掉|支出|开销|消费|生活费|给父母|交房租|付房租|占了|spend|expense|cost"
    ),
    "savings": _rx(r"存款|积蓄|存了|攒|savings|saved"),
    "previous": _rx(
        r"以前|之前|原来|上一份|上一家|上个单位|前公司|退休前|previous|used to|formerly"
    ),
    "hypothetical": _rx(r"希望|想要|期望|目标|要是|如果|expect|hope|would like|if I"),
    "number_id": _rx(r"编号|号码|单号|number|No\.|#"),
    "deduction": _rx(r"扣掉|扣除|扣|缴|交|deduct|deposit|contribut"),
}

# the same patterns without IGNORECASE (about twice as fast): identical on text with no ASCII
# letters, which is most Chinese statements
CUES_NO_LATIN: dict[str, re.Pattern[str]] = {k: re.compile(v.pattern) for k, v in CUES.items()}

# words right after a number that make it not money (durations, counts, ages, dates, sizes)
NON_MONEY_AFTER = _rx(
    r"\s*(?:个?小时|个?钟头|个月|个星期|年(?!薪|收入|入|终|底|度|前|后|初)|周岁|岁|天(?!薪)|日(?!薪|结)|号|(?<![多千万wWkK])点|分钟|次|人|口|家|套|辆|亩|平|米|"
    r"层|楼|单|%|％|个百分点|倍|成|折|期|级|th\b|st\b|nd\b|rd\b|-?years?\b|-?months?\b|-?weeks?\b|"
    r"-?days?\b|-?hours?\b|hrs?\b|people|kids|children|times|percent|shifts|sq)",
)
# words just before a number that make it not money
NON_MONEY_BEFORE = _rx(
    r"(?:第|编号|号码|电话|手机|手机号|微信|QQ|number|No\.|#|phone|mobile|tel|age|aged|I'm|I am|"
    r"今年|年龄)[是为:：]?\s*$"
)

# stability wording
STABLE = _rx(
    r"固定工资|固定|编制|公务员|事业单位|国企|央企|机关|教师|退休金|养老金|稳定|按时发|准时|"
    r"government job|civil servant|fixed salary|stable|steady|pension|public hospital"
)
COMMISSION = _rx(r"提成|佣金|commission|销售|sales|中介")
GIG = _rx(
    r"日结|跑单|零工|打零工|外卖|骑手|滴滴|网约车|代驾|临时|摆摊|周结|按天|接活|活多|gig|freelance|"
    r"contractor|cash in hand|no contract|shifts|ride-hailing|driver"
)
UNSTABLE = _rx(
    r"不稳定|浮动|波动|不固定|时有时无|看情况|淡季|旺季|不等|不一定|多劳多得|depending|varies|"
    r"irregular|unstable|fluctuat|uncertain"
)

# explicit no income
NO_INCOME = _rx(
    r"没有?(?:任何|别的|其他)?收入|无收入|收入为零|零收入|没收入|没有工作|没工作|待业|失业|无业|"
    r"no (?:source of )?income|zero income|not working|unemployed|don't have a job|no job|"
    r"no income of my own|out of work"
)

# words that say the next figure restates the previous one in other terms, often rounded
# (一年十万，就是说一个月八千多 / £700 a week, which works out to roughly £3,000 a month)
RESTATE = _rx(
    r"即|也就是|就是说|算下来|折合|合下来|相当于|平均(?:下来|到)?|换算|按.{1,6}算|"
    r"\bso\b|which (?:works out|is|comes)|works out|that'?s|i\.e\.|equivalent|roughly|averag"
)

# --- quarters and units declared in a label (amounts.py, headers.py) ------------------------

# A payment every quarter. The contract has no quarter period: amounts.py reads such a figure per
# month (÷ 3) with the period_source "quarter". 每季 alone is every season/quarter, not 旺季/淡季;
# 上个季度 / 一季度 / last quarter name a point in time (上个季度拿了一次奖), not a rate.
QUARTER_BEFORE = _rx(
    r"每个?季度|每季(?!节)|按季度?|一个季度|(?<![上下这本前后第一二三四个])季度|每(?:三|3)个月|"
    r"quarterly|(?:per|every|each|a) quarter\b(?!\s+of\b)|every (?:three|3) months"
)
_QGAP = r"^\s*(?:(?:元|块钱?|[A-Za-z$€£¥.()（）]{1,8})\s*){0,2}"
QUARTER_AFTER = _rx(
    _QGAP + r"(?:/\s*季度?|/\s*(?:quarter|qtr)\b|每季度?|每个季度|一个?季度|按季度?|每(?:三|3)个月"
    r"|(?:a|per|every|each) quarter\b(?!\s+of\b)|quarterly|every (?:three|3) months)"
)

# A payment every six months (房租半年一付, 每半年收一次租金, "twice a year"): read per month (÷ 6)
# with the period_source "halfyear", like a quarter. 上半年 / 下半年 / 半年来 name a time, not a
# rate; 半年 alone is a duration (干了半年).
HALFYEAR_BEFORE = _rx(
    r"每(?:隔)?半年|半年(?:[收付交结发给领拿]?一次|一[付交结收发])|每(?:六|6)个月|"
    r"half[- ]yearly|semi[- ]?annual(?:ly)?|bi-?annually|every (?:six|6) months|twice a year"
)
HALFYEAR_AFTER = _rx(
    _QGAP + r"(?:/\s*半年|每(?:隔)?半年|半年(?:[收付交结发给领拿]?一次|一[付交结收发])"
    r"|每(?:六|6)个月|half[- ]yearly|semi[- ]?annually|every (?:six|6) months|twice a year)"
)

# A magnitude declared once in a form label or a column header (年收入（万元）：36, 月收入/万：1.2,
# "Annual income (USD thousands): 85", "£'000 per annum: 42.5"); group name → scale.
HEADER_SCALE = _rx(
    r"(?P<qw>千万元?)|(?P<yi>亿元?)|(?P<bw>百万元?|\bmillions?\b|\bmn\b)|(?P<w>万元?)"
    r"|(?P<k>千元?|\bthousands?\b|['’‘]000s?\b|(?<![A-Za-z])k(?![A-Za-z]))"
)
HEADER_SCALES: dict[str, int] = {"qw": 10**7, "yi": 10**8, "bw": 10**6, "w": 10**4, "k": 10**3}
# "月收入/万：1.2", "年薪/千元 45": the unit after a slash that follows label text
HEADER_SLASH = _rx(
    r"(?<=[\u4e00-\u9fffA-Za-z)）])\s*/\s*(?:千万元?|百万元?|万元?|千元?|[kK])"
    r"(?=[\s:：/|｜,，)）]|\d|$)"
)
# "单位：万元" / "单位：千元/月" outside brackets; "£'000" / "in thousands" written bare in a label
_CUR_WORD = r"(?:人民币|RMB|美元|港币|港元|欧元|英镑|日元|新币|澳元|加元)"
HEADER_UNIT_WORD = _rx(
    rf"单位\s*(?:为|是)?\s*[:：]?\s*{_CUR_WORD}?\s*(?:千万|百万|万|千|亿)\s*(?:元|{_CUR_WORD})?"
    r"(?:\s*/\s*[月年周天日])?(?![\u4e00-\u9fff])"
)
HEADER_BARE = _rx(r"(?<![\d,])['’‘]000s?\b|\bin thousands\b")
# words a unit header may hold besides its scale, currency and period (CAD, in thousands)
HEADER_FILLER = _rx(
    r"单位(?:为|是)?|金额|数额|合计|约|税前|税后|每?[月年周]|in|of|per|annum|month|year|week|day|"
    r"amount|gross|net|pre-tax|after-tax|approx\.?"
)
# a period stated inside a header: (单位：千元/月)
HEADER_PERIOD: list[tuple[re.Pattern[str], str]] = [
    (_rx(r"/\s*(?:月|mo\b|month\b)"), "month"),
    (_rx(r"/\s*(?:年|yr\b|year\b)"), "year"),
    (_rx(r"/\s*(?:周|wk\b|week\b)"), "week"),
    (_rx(r"/\s*(?:天|日|day\b)"), "day"),
]
# a label naming a count, a duration or an age: the number after it is not scaled as money
NON_SCALE_LABEL = _rx(
    r"年限|工龄|司龄|教龄|年龄|岁|年数|人数|口人|人口|套数|面积|期数|次数|个数|天数|月数|时长|工时|子女|"
    r"孩子|年份|\byears\b|\bage[ds]?\b|\btenure\b|\bseniority\b|\bexperience\b|\bdependents?\b|"
    r"\bchildren\b|\bkids\b|\bpeople\b|\bpersons\b|\bheadcount\b|\bnumber of\b|\bno\. of\b|"
    r"\bcount\b"
)
