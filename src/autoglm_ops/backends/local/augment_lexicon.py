"""Clause templates for data augmentation: distractors, benefit and tenure statements.

Each template has an ``{a}`` (an amount), ``{d}`` (a duration) or no slot. Distractors never
change ``income_amount``; the ``effects`` of a template say which other gold fields it sets.
Written for this project, in the register of loan applicants (Chinese and English).
"""

from __future__ import annotations

# category -> (zh templates, en templates); amounts are money that is NOT the applicant's income
DISTRACTORS: dict[str, tuple[list[str], list[str]]] = {
    "spouse": (
        [
            "老婆每月工资{a}",
            "我老公月薪{a}",
            "爱人一个月能挣{a}",
            "我对象年薪{a}",
            "媳妇在超市上班，一个月{a}",
            "我爸退休金每月{a}",
            "她一个月也就{a}",
            "丈夫每月收入{a}左右",
            "我妈每个月有{a}的养老金",
            "男朋友一个月赚{a}",
        ],
        [
            "my wife earns {a} a month",
            "my husband makes {a} a year",
            "my partner brings in about {a} a month",
            "my spouse's salary is {a} per month",
            "he earns {a} a month",
            "my parents get a pension of {a} a month",
        ],
    ),
    "household": (
        [
            "家里一年总收入{a}左右",
            "我们家庭月收入{a}",
            "两口子加起来一个月{a}",
            "全家一年收入{a}",
            "夫妻俩每月合计{a}",
        ],
        [
            "household income is around {a} a month",
            "together we make {a} a year",
            "our combined income is {a} a month",
        ],
    ),
    "loan": (
        [
            "想贷款{a}",
            "这次申请借款{a}",
            "打算贷{a}装修",
            "申请额度{a}",
            "需要借{a}周转",
            "想申请{a}的消费贷",
            "贷款金额{a}",
        ],
        [
            "I'd like to borrow {a}",
            "applying for a loan of {a}",
            "looking for a {a} loan",
            "I need a credit limit of {a}",
        ],
    ),
    "repayment": (
        ["房贷月供{a}", "每个月还车贷{a}", "每月要还{a}的贷款", "月供{a}", "每月还款{a}"],
        [
            "my mortgage is {a} a month",
            "car loan repayments are {a} a month",
            "I repay {a} every month",
        ],
    ),
    "bonus": (
        [
            "年终奖大概{a}",
            "去年年终奖拿了{a}",
            "另外年底有{a}的奖金",
            "每年有一次{a}的项目奖",
            "年底分红{a}",
        ],
        [
            "last year's bonus was {a}",
            "plus a one-off bonus of {a}",
            "I got a {a} bonus in December",
        ],
    ),
    "debt": (
        ["信用卡还欠{a}", "外面还有{a}的欠款", "目前负债{a}", "欠朋友{a}"],
        ["I owe {a} on credit cards", "about {a} of debt", "I still owe {a}"],
    ),
    "savings": (
        [
            "存款有{a}",
            "手上积蓄{a}左右",
            "攒了{a}",
            "银行存了{a}",
            "另外有{a}存款",
            "手里还有{a}的积蓄",
        ],
        ["I have {a} in savings", "I've saved about {a}", "plus {a} in the bank"],
    ),
    "expense": (
        ["每月生活费{a}", "每个月交房租{a}", "每月开销{a}左右", "每月花销{a}"],
        ["rent costs me {a} a month", "I spend about {a} a month", "my expenses are {a} a month"],
    ),
    # rent the applicant pays: an expense, never added to income
    "rent_paid": (
        [
            "每月房租要交{a}",
            "租房一个月花{a}",
            "房租每个月付{a}",
            "自己在外面租房，每月租金{a}",
            "每个月光房租就要{a}",
            "付给房东的租金一个月{a}",
            "另外自己租房住，每月付{a}",
        ],
        [
            "I pay {a} a month in rent",
            "my rent is {a} a month",
            "rent for my flat is {a} per month",
            "I spend {a} a month on rent",
        ],
    ),
    # money that came once: not regular income
    "oneoff": (
        [
            "去年把旧车卖了，拿到{a}",
            "今年公司发了一次性安家费{a}",
            "前年中了彩票{a}",
            "上个月收了{a}的红包",
            "拆迁补偿拿了{a}",
            "之前做了一个项目，一次性拿了{a}",
            "老人留下一笔遗产{a}",
            "另外去年还拿了一笔{a}的赔偿金",
        ],
        [
            "I sold my old car for {a} last year",
            "I got a one-off payment of {a} in March",
            "I inherited {a} from my grandmother",
            "a one-time severance of {a} when I left",
            "I won {a} in the lottery once",
        ],
    ),
    # prices of property or goods
    "price": (
        [
            "房子买的时候总价{a}",
            "首付付了{a}",
            "现在房价一平米{a}",
            "车是{a}买的",
            "房子现在市值{a}左右",
        ],
        [
            "the flat cost {a} when we bought it",
            "our house is worth about {a}",
            "I put down a down payment of {a}",
            "the car was bought for {a}",
        ],
    ),
    # business turnover (the applicant's pay or profit is stated elsewhere)
    "turnover": (
        ["公司一年营业额{a}", "店里一个月流水{a}", "老板的厂一年营收{a}", "门店月销售额{a}"],
        ["the company's turnover is {a} a year", "the shop's revenue is {a} a month"],
    ),
    "previous": (
        [
            "以前在工厂一个月{a}",
            "之前那份工作月薪{a}",
            "原来在老家一个月才{a}",
            "上一份工作年薪{a}",
        ],
        ["my previous job paid {a} a month", "I used to earn {a} a month"],
    ),
    "hypothetical": (
        ["希望以后月入{a}", "目标是一个月挣{a}", "期望薪资{a}"],
        ["I hope to earn {a} a month next year", "I'd like to make {a} a month eventually"],
    ),
}

# (zh templates, en templates, effects): amount-bearing clauses that also state a benefit
BENEFIT_AMOUNT: list[tuple[list[str], list[str], dict[str, bool]]] = [
    (
        ["公积金每月缴存{a}", "单位每月给交{a}公积金", "公积金账户里有{a}"],
        ["my housing fund contribution is {a} a month"],
        {"has_provident_fund": True},
    ),
    (
        ["社保每月扣{a}", "每个月社保要交{a}"],
        ["social insurance takes {a} a month"],
        {"has_social_insurance": True},
    ),
]

PF, SI = "has_provident_fund", "has_social_insurance"
# (zh, en, effects): benefit statements
BENEFITS: list[tuple[list[str], list[str], dict[str, bool]]] = [
    (
        ["有公积金", "单位交公积金", "公积金正常缴纳", "公积金一直在交", "有住房公积金"],
        ["I have a housing provident fund", "my employer pays into the housing fund"],
        {PF: True},
    ),
    (
        ["五险一金齐全", "公司交五险一金", "有五险一金", "单位缴纳五险一金"],
        ["full five insurances and one fund", "my company pays the five insurances and one fund"],
        {PF: True, SI: True},
    ),
    (
        ["有社保", "社保正常交", "工资要扣社保", "社保自己交", "公司给买社保", "单位交社保"],
        ["my employer pays social insurance", "I have social insurance"],
        {SI: True},
    ),
    (
        ["没有公积金", "公积金没交", "单位不交公积金", "无公积金"],
        ["no housing fund", "my employer doesn't pay into a provident fund"],
        {PF: False},
    ),
    (
        ["无五险一金", "五险一金都没有", "没有五险一金", "不交五险一金"],
        ["no five insurances and one fund", "no social insurance or housing fund"],
        {PF: False, SI: False},
    ),
    (
        ["没交社保", "没有社保", "社保没交", "单位不给交社保"],
        ["no social insurance", "I don't have social insurance"],
        {SI: False},
    ),
    (
        ["有社保但没有公积金", "只交社保，没公积金"],
        ["social insurance yes, but no housing fund"],
        {SI: True, PF: False},
    ),
]

# current tenure statements ({d} a duration)
TENURE: tuple[list[str], list[str]] = (
    [
        "在这家公司干了{d}",
        "现在的单位待了{d}",
        "入职{d}了",
        "在现单位工作{d}",
        "司龄{d}",
        "在这里上班{d}",
        "这份工作做了{d}",
        "目前这家干了{d}",
    ],
    [
        "I've been with my employer for {d}",
        "been at this company {d}",
        "I have worked here for {d}",
        "with my current employer for {d}",
    ],
)
# durations that are not the current tenure; effects as for benefits
TENURE_DISTRACTORS: list[tuple[list[str], list[str], dict[str, bool]]] = [
    (
        ["之前在上一家公司干了{d}", "以前在工厂做了{d}", "上一份工作做了{d}"],
        ["my previous job lasted {d}", "before that I worked {d} at a bank"],
        {},
    ),
    (["社保交了{d}", "社保缴了{d}"], ["I've paid social insurance for {d}"], {SI: True}),
    (["公积金缴存{d}", "公积金交了{d}"], ["paid into the housing fund for {d}"], {PF: True}),
    (["贷款期限{d}", "想分期{d}还"], ["loan term of {d}", "I'd repay over {d}"], {}),
]

# no-income and off-topic statements for new zero / null cases
NO_INCOME: tuple[list[str], list[str]] = (
    [
        "现在待业在家，没有收入",
        "目前没工作，暂时没有收入",
        "刚毕业还没找到工作，没有任何收入",
        "失业半年了，现在没收入",
        "在家带孩子，本人无收入",
    ],
    [
        "I'm unemployed at the moment and have no income",
        "I have no income right now",
        "currently not working, zero income",
    ],
)
OFF_TOPIC: tuple[list[str], list[str]] = (
    [
        "请问你们的贷款利率是多少？",
        "想了解一下提前还款有没有违约金",
        "申请需要准备哪些材料？",
        "我是做餐饮的，想贷款开分店",
        "审批一般要多久？",
    ],
    [
        "What documents do I need to apply?",
        "How long does approval take?",
        "Is there a fee for early repayment?",
    ],
)

# safe code-switch substitutions (Chinese word -> English) that keep every label
CODE_SWITCH: dict[str, str] = {
    "工资": "salary",
    "公司": "company",
    "税后": "after tax",
    "税前": "pre-tax",
    "兼职": "part-time",
    "退休金": "pension",
    "奖金": "bonus",
    "贷款": "loan",
    "提成": "commission",
    "底薪": "base salary",
}

# period words that can be swapped for each other: one row per wording, columns by period
PERIOD_WORDS: list[dict[str, str]] = [
    {"month": "月薪", "year": "年薪", "week": "周薪", "day": "日薪"},
    {"month": "每月", "year": "每年", "week": "每周", "day": "每天"},
    {"month": "每个月", "year": "每年", "week": "每个星期", "day": "每天"},
    {"month": "一个月", "year": "一年", "week": "一周", "day": "一天"},
    {"month": "月入", "year": "年入", "week": "周入", "day": "日结"},
    {"month": "/月", "year": "/年", "week": "/周", "day": "/天"},
    {"month": "a month", "year": "a year", "week": "a week", "day": "a day"},
    {"month": "per month", "year": "per year", "week": "per week", "day": "per day"},
    {"month": "monthly", "year": "yearly", "week": "weekly", "day": "daily"},
]

# log10 range of the amount inserted with each distractor category (plausible magnitudes)
MAGNITUDE: dict[str, tuple[float, float]] = {
    "spouse": (3.3, 4.7),
    "household": (3.7, 5.5),
    "loan": (4.0, 6.0),
    "repayment": (2.7, 4.2),
    "bonus": (3.3, 5.2),
    "debt": (3.0, 5.5),
    "savings": (3.0, 6.0),
    "expense": (2.7, 4.0),
    "previous": (3.0, 4.6),
    "hypothetical": (3.5, 4.7),
    "rent_paid": (3.0, 3.9),
    "oneoff": (3.5, 5.5),
    "price": (4.5, 6.7),
    "turnover": (4.5, 6.5),
    "benefit": (2.3, 3.6),
}

# another regular monthly source of the applicant ({a} per month): it is added to the income
EXTRA_SOURCES: tuple[list[str], list[str]] = (
    [
        "另外每月房租收入{a}",
        "周末兼职一个月还能挣{a}",
        "还有退休金每月{a}",
        "副业每个月能挣{a}",
        "另外有套房子出租，每月租金{a}",
        "晚上跑网约车每月多挣{a}",
    ],
    [
        "plus {a} a month from renting out a room",
        "I also get {a} a month from a part-time job",
        "and my pension adds {a} a month",
        "side gig brings in another {a} a month",
    ],
)
# a stated total of all sources ({a} per month)
TOTALS: tuple[list[str], list[str]] = (
    ["加起来一个月{a}", "合计每月{a}", "总共每个月{a}左右"],
    ["{a} a month in total", "altogether {a} a month"],
)
# a rounded restatement of the income in another period: the first-stated figure stays the
# income ({a}: the monthly or yearly figure, rounded)
RESTATE_MONTHLY: tuple[list[str], list[str]] = (
    ["就是说一个月{a}左右", "算下来每个月{a}多", "平均到每个月{a}吧", "折合月薪{a}左右",
     "也就是每月{a}上下", "平均下来一个月大概{a}"],
    ["which works out to roughly {a} a month", "so about {a} a month",
     "that's around {a} a month", "roughly {a} a month on average"],
)  # fmt: skip
RESTATE_YEARLY: tuple[list[str], list[str]] = (
    ["一年下来{a}左右", "算下来一年{a}多", "全年大概{a}"],
    ["so roughly {a} a year", "which comes to about {a} a year"],
)
# net/gross wording: the net word goes before the income figure, the gross clause after it
NET_WORDS: tuple[list[str], list[str]] = (["到手", "税后", "实发"], ["take-home ", "net "])
GROSS_CLAUSES: tuple[list[str], list[str]] = (
    ["税前{a}", "税前大概{a}", "应发{a}"],
    ["{a} before tax", "gross {a}", "{a} pre-tax"],
)

# interchangeable wordings (each group keeps every label): one is swapped for another
SYNONYMS: list[list[str]] = [
    ["工资", "薪水", "薪资"],
    ["每个月", "每月", "一个月"],
    ["挣", "赚"],
    ["大概", "大约", "差不多"],
    ["左右", "上下"],
    ["公司", "单位"],
    ["到手", "实发"],
    ["earn", "make"],
    ["salary", "pay"],
    ["about", "around", "roughly"],
    ["company", "employer"],
]
