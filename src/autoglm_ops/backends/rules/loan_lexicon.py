"""Lexicons of the rules backend's loan_application fields (Chinese and English), compiled once.

Each lexicon is a Chinese pattern plus an English one (case-insensitive): the English half only
runs on text with Latin letters, which keeps scanning Chinese text fast. The money-role cues
(``CUE``) are one alternation whose named group is the role; at one position the earlier group
wins. :mod:`autoglm_ops.backends.rules.loan` decides with them.
"""

from __future__ import annotations

import re

LATIN = re.compile(r"[A-Za-z]")


def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


class Lex:
    """A Chinese pattern and an English one (case-insensitive), scanned as one lexicon."""

    __slots__ = ("en", "zh")

    def __init__(self, zh: str, en: str = "") -> None:
        self.zh = re.compile(zh) if zh else None
        self.en = rx(en) if en else None

    def all(self, t: str, pos: int = 0, endpos: int | None = None) -> list[re.Match[str]]:
        end = len(t) if endpos is None else endpos
        hits = list(self.zh.finditer(t, pos, end)) if self.zh else []
        if self.en and LATIN.search(t, pos, end):
            hits = sorted([*hits, *self.en.finditer(t, pos, end)], key=lambda m: m.start())
        return hits

    def first(self, t: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        hits = self.all(t, pos, endpos)
        return hits[0] if hits else None


# --- cues that give a money mention its role (earlier groups win at one position) ----------------

CUE = Lex(
    r"(?P<future>能还|可以还)|(?P<original>当初|原来|原先)|(?P<limit>额度)|(?P<provident>公积金)"
    r"|(?P<down>首付)|(?P<request>申请(?:房贷|车贷)?|想贷|想借|金额|融资|差(?![不点的])|消费贷)"
    r"|(?P<existing>房贷|车贷|网贷|信用卡|助学贷款|贷款平台|月供|分期|最低还款|还利息|还款|还贷|每个?月还"
    r"|每期|欠|剩余|剩下|还剩|余额|负债|借了|贷了)"
    r"|(?P<income>月薪|年薪|工资|薪水|收入|月入|年入|挣|赚|到手|实发|底薪|退休金|养老金|租金|月租|补助"
    r"|补贴|提成|利润|营业额|流水|销售额|营收|落)"
    r"|(?P<price>总价|车价|房价|价格|预算|学费|费用|要花|要(?=\s*[\d一二两三四五六七八九十]))"
    r"|(?P<loan>贷款|借款|贷|借)",
    r"(?P<future>(?:I|we) (?:can|could|will|would) (?:pay|afford)|I'll pay)"
    r"|(?P<original>\boriginal(?:ly)?)|(?P<limit>credit limit)|(?P<provident>provident)"
    r"|(?P<down>down payment|\bdown\b)"
    r"|(?P<existing>mortgages?|car payment|truck note|(?:car|truck|auto|student|condo|home|personal"
    r"|payday|business|bank|\(k\)) loans?|credit card|\bdebt|\bowe[sd]?\b|balance|remaining"
    r"|\bpayments?\b|maxed out)"
    r"|(?P<income>earn\w*|income|salary|pension|stipend|revenue|take[- ]home|bring in|\bmaking"
    r"|benefits|\btips\b|commissions?|\bclear\b)"
    r"|(?P<price>\bprice|\bcosts?\b|budget|deposit|asks for)"
    r"|(?P<loan>\bloan|borrow|\blend|financ\w*|\bneed|looking for|\blike\b|request\w*|asking for"
    r"|\bwant|apply\w*|take out)",
)
MONTHLY_LEFT = Lex(r"每个?月|月供|每期|月缴|月均", r"a month|per month|monthly|/\s*month")
MONTHLY_AFTER = rx(
    r"\s*(?:(?:元|块钱?|[A-Za-z$€£¥.]{1,8})\s*){0,2}(?:/\s*(?:月|mo|month)\b|/月|每月|每个月|一个月"
    r"|a month|per month|monthly)"
)
TOTAL = Lex(r"合计|一共|总共|加起来|总计", r"total|combined|altogether")
FULL_LOAN = Lex(r"全部贷款|全贷|全部用贷款", r"all of it")
REST = Lex(r"其余|剩下的?|剩余", r"the rest|remainder")
PRICE_AFTER = re.compile(r"\s*(?:元|块)?的(?:车|房|房子)")
DOWN_RATIO = rx(
    r"首付(?:付|需要|要)?\s*(?P<cn>[一二两三四五六七八九])成|首付(?:付|要)?\s*一半"
    r"|首付\s*(?P<pct>\d+)\s*%|(?P<pct2>\d+)\s*%\s*down"
)
NO_AMOUNT = Lex(
    r"能贷多少贷多少|越多越好|最多能贷多少", r"as much as (?:possible|I can)|maximum you"
)
NON_MONEY_AFTER = rx(r"\s*(?:后|年代|周年|年(?:出生|生|的)|\(k\))")
YEAR_BEFORE = rx(r"(?:born|in|since|year)\s*$")
# asking for the loan (贷/借 not in an existing loan's name; English request verbs)
INTENT = Lex(
    r"(?<![助学房车网])贷|借(?!了)|申请|需要|还差",
    r"\bloan\b(?! (?:is|at))|borrow|\blend|financ|\bneed|looking for|asking for|request|\bwant"
    r"|would like|I'd like|apply|mortgage for",
)

# --- term_months ----------------------------------------------------------------------------------

DURATION_AFTER = rx(
    r"\s*(?:(?P<half>年半)|(?P<y>个?年)(?!薪|收入|入|代|前|后|级|纪)|(?P<m>个月)|(?P<p>期)(?!限)"
    r"|-?\s*(?P<ey>years?|yrs?)\b|-?\s*(?P<em>months?)\b)"
)
TERM_LEFT = rx(
    r"期限|分|贷|借|还|\bover\b|\bterm|repa(?:y|id)|payable|paid back|pay (?:it )?back|back in"
    r"|within|spread"
)
TERM_RIGHT = rx(
    r"\s*(?:的?(?:期|内|慢慢|就能|能|才能|就|左右)?\s*(?:还清|还完|还上|还|期)|term|to repay"
    r"|(?:to )?pay (?:it )?(?:back|off))"
)
NOT_TERM_LEFT = rx(
    r"工作|干了|干|入职|入行|在职|司龄|年限|开了|做了|从事|已经|还剩|剩下?|还有|近|最近|过去"
    r"|worked|working|experience|been|in business|on the force|for the last|ago"
)
NOT_TERM_RIGHT = rx(
    r"\s*(?:了|多|前|后|的|下来|收入|能赚|能挣|能干|干|学费|来|[\d零一二两三四五六七八九十]"
    r"|on the|there|ago|old|of (?!repay)|at |in business|experience|left|remaining)"
)
SPLIT_TERM = rx(r"分|期限|\bterm")
BARE = rx(r"[\s，,。.!！?？:：]*(?:吧|please|is fine|works|ok|期|还清|还)*[\s，,。.!！?？]*")
HALF_YEAR = Lex(r"(?<![一二两三四五六七八九十\d])半年")
A_YEAR = Lex("", r"\b(?:in|over|within) (?:a|one) year\b|\bone-year\b")
NEXT_MONTH = Lex(r"下个?月.{0,6}还")

# --- purpose --------------------------------------------------------------------------------------

# fmt: off
PURPOSES: list[tuple[str, Lex]] = [
    ("debt_consolidation", Lex(
        r"债务整合|还信用卡|还网贷|把.{0,8}(?:网贷|信用卡|卡|欠款|车贷|房贷|钱).{0,6}(?:还|结清)|结清"
        r"|还掉|窟窿|还朋友|还给他|还亲戚|一次性还清|(?:信用卡|网贷).{0,6}还上|以贷养贷|倒贷|置换.{0,4}贷"
        r"|还.{0,4}(?:花呗|借呗|白条|网贷|欠款|债)",
        r"pay (?:it|them|this|those|these) off|pay off|consolidat|paying off|refinanc"
        r"|clear (?:my|the) (?:debts?|cards?)|payoff")),
    ("wedding", Lex(r"结婚|婚礼(?!季)|婚宴|彩礼|嫁妆|办婚|婚纱|订婚|办酒席",
                    r"wedding|getting married|dowry|engagement|bride")),
    ("medical", Lex(
        r"看病|手术|住院|医院|医药费|医疗|治疗|治病|医美|整形|双眼皮|隆鼻|假牙|种牙|牙|助听器|轮椅"
        r"|护理床|生孩子|分娩|化疗|康复|药费|检查费|试管",
        r"dental|surgery|operation|treatment|teeth|hospital|medical|knee|therapy|cancer|braces"
        r"|IVF|medication|clinic|doctor")),
    ("education", Lex(
        r"学费|培训|考研|读书|留学|考证|证书|幼儿园|钢琴班|英语班|补习|补课|马术|课时费|读硕士|读研|读博"
        r"|辅导|课程|兴趣班|驾校|学车|驾照|MBA|上学|上大学|深造",
        r"tuition|college|course|program|bootcamp|school|exam|degree|study|MBA|driving lessons"
        r"|certification|training|university")),
    ("business", Lex(
        r"进.{0,4}货|囤货|开.{0,4}店|分店|第二家店|经营|生产线|设备|门面|店铺|店面|冷柜|推车|采购|客房|挖机"
        r"|冷链车|周转(?=.{0,6}(?:店|生意|货|厂|公司))|生意|买.{0,3}[牛羊猪鸡]|备货|货款|原材料|加盟"
        r"|厂房|机器|扩大|扩建|门店|发工资|养殖|种植|农机",
        r"equipment|gear|inventory|\bstock|dining room|engine|\bshop|business|truck|franchise"
        r"|expand|supplies|payroll|\bstore\b|salon|machinery")),
    ("home_purchase", Lex(
        r"买房|购房|首付|买套房|买一套|小两居|公寓|换房|申请房贷|房贷。|房款|二手房|学区房",
        r"buy(?:ing)? (?:our |my |a |the )?(?:first |new )?(?:home|house|flat|apartment|condo)"
        r"|\brental\b|mortgage for|down payment")),
    ("home_renovation", Lex(
        r"装修|翻新|翻修|修缮|家具|修.{0,3}房|屋顶|电梯|加盖|漏水|[盖建]房|改造|厨房|卫生间",
        r"renovat|repair|boiler|windows|basement|remodel|furniture|furnish|kitchen|\broof"
        r"|bathroom|home improvement")),
    ("car_purchase", Lex(
        r"买车|购车|换车|提车|车款|买.{0,8}车|再买一辆|换辆|新能源车|代步|汽车",
        r"(?:a|new|used|bigger|first|family) car\b|vehicle|\bSUV\b|BMW|buy a car")),
    ("travel", Lex(r"旅游|旅行|出游|自驾游|探亲|去欧洲|出国玩|度假|蜜月",
                   r"travel|\btrip\b|vacation|\bvisit|holiday|honeymoon|cruise")),
    ("consumption", Lex(
        r"手机|电脑|家电|电器|冰箱|空调|电视|洗衣机|过年|购物|买点|消费(?!贷)|日常开销|生活开支|年货|相机"
        r"|平板|游戏机|首饰|买衣服",
        r"laptop|phone|computer|appliance|shopping|electronics|\bTV\b|living expenses|camera")),
    ("other", Lex(
        r"房租|押金|车位|借给|周转|大寿|投资|葬|丧|赔偿|罚款|官司|诉讼|保证金|搬家",
        r"funeral|deposit|moving|registration|insurance|\brent\b|legal|lawyer|fine\b")),
]
# fmt: on
WANT = Lex(r"想|打算|准备|计划|希望", r"\bto (?:buy|pay|cover)|\bfor (?:my|a|the)\b")
BUSINESS_CONTEXT = Lex(r"店|门面|档口|生意|经营", r"shop|restaurant|studio|dining|business")
NOT_CAR = Lex(r"电动车|推车|出租车|网约车|开车|车位|拼车", r"car loan|car payment|registration")
# --- existing debts -------------------------------------------------------------------------------

NO_DEBT = Lex(
    r"(?:没有|无|没)(?:任何|其他|别的)?(?:负债|贷款|欠款|债务|外债)|无任何欠款|也没有负债",
    r"no (?:existing |other |outstanding )?(?:loans|debts?)|debt[- ]free",
)
NO_DEBT_SCOPED = rx(r"[都均（(]\s*$|房|车|house|car")  # 房子车子都没有贷款: those assets only
HOUSE_CAR = re.compile(r"房.{0,4}车|车.{0,4}房")
PAID = Lex(r"已还清|还清了|还完了", r"paid off")
REMAINING = rx(
    r"(?:还剩|剩下?|还有)\s*(?P<n>\d+|[一二两三四五六七八九十]+)\s*(?P<u>期|个月|年)(?!工作)"
    r"|(?P<en>\d+)\s*(?:payments|instalments|installments|months) (?:left|remaining)"
)

# --- assets ---------------------------------------------------------------------------------------

HOUSE_NO = Lex(
    r"没房|无房|没有房|名下无房|首套|第一套房|还没买房|没买房",
    r"first home|don't own (?:a |my |our )?(?:home|house|property)|no (?:home|house|property)",
)
HOUSE_YES = Lex(
    r"有房|(?<![没无])房贷|名下.{0,4}(?:房|住房)|房子是自己的|自己的房|自己的老房子|我们的老房子|自住"
    r"|全款买的|我家房子|已有一套房|(?<![了买])[一两二三四五]套房|房子车子都有|房产|房子出租"
    r"|有(?:一|两|二)?套房|买了房|房子是我的|自有住房|有住房|按揭|还房贷|房本|房产证",
    r"(?:I|we) own (?:my|our|the|a) (?:home|house|apartment|flat|condo)|own my home"
    r"|(?<!need a )(?<!get a )mortgages?(?! for)|condo loan|rental properties|our family's flat"
    r"|homeowner|home loan|house is paid off|paid[- ]off (?:home|house)",
)
HOUSE_RENT = Lex(
    r"租房|租的房|房子是租的|租住|交房租|付房租|房租.{0,4}到期|房租押金|新租|和父母住|住父母家|跟父母住"
    r"|住宿舍|公司宿舍|单位宿舍|租着|出租屋|合租|住在父母|住父母|跟爸妈住|和爸妈住|住在家里",
    r"\bI rent\b|\bwe rent\b|\brent (?:an|a|my|our)\b|rent both|renting|rental housing"
    r"|staying with friends|jeonse|deposit on a new apartment|live with (?:my )?parents"
    r"|living with (?:my )?parents|tenant|dorm",
)
CAR_NO = Lex(
    r"没车|无车|没有车|第一辆车|没买车|名下无车",
    r"don't (?:have|own) a car|no car\b|first car|without a car|take the bus",
)
CAR_YES = Lex(
    r"(?<![没无])车贷|有车|车子都有|一辆车|车辆一台|[一两二三]辆车|车是自己的|车和牌照都是自己的"
    r"|自己的车|换辆(?!电动)|换车|有辆车|有一辆|名下.{0,4}车|开自己的",
    r"car loan|car payment|auto loan|truck note|my car|current car|owner-operator"
    r"|car registration|car is paid off|own (?:a|my) car|my (?:truck|SUV|vehicle)",
)

# --- employment -----------------------------------------------------------------------------------

# fmt: off
EMPLOYMENT: list[tuple[str, int, Lex]] = [
    # (value, priority: a higher one wins over an earlier-stated lower one, lexicon)
    ("retired", 5, Lex(r"(?<![没未])退休(?!前的)|离休", r"retired|retiree|pensioner")),
    ("student", 4, Lex(
        r"(?<!在职)研究生(?!毕业)|在读|大[一二三四](?![^，。]*毕业)|学生|读研|读博|博士生|在校|高三|高二"
        r"|高一|上大学",
        r"college|student(?! loan)|sophomore|freshman|junior year|senior year|university"
        r"|undergrad|grad school|PhD|master's (?:student|program)")),
    ("unemployed", 3, Lex(
        r"待业|失业|无业|(?<!固定)(?:没有|没)(?:工作|上班)|家庭主妇|全职在家|在家带|辞职|被裁|找到工作"
        r"|店关了|倒闭|全职妈妈|全职宝妈|宝妈|赋闲|下岗|裁员|没找到工作|丢了工作",
        r"no job|unemployed|don't work|stay-at-home|not working|out of work|homemaker"
        r"|laid off|lost my job|between jobs|job hunting|looking for (?:a )?(?:job|work)")),
    ("public_sector", 2, Lex(
        r"公务员|事业单位|事业编|编制|公立|政府|街道办|法院|检察院|城管|消防|警察|公安|派出所|部队|军人"
        r"|机关|高校|教授|税务局|医保局|社区工作者|村委|居委会|人民医院",
        r"civil servant|public (?:school|hospital|sector|university)|police|army|military|NHS"
        r"|county|government|federal|municipal|city council|state employee|firefighter")),
    ("state_owned", 2, Lex(r"国企|央企|国有", r"state-owned|\bSOE")),
    ("self_employed", 2, Lex(
        r"个体|股东|(?:是|当|做)(?:个|一个)?小?老板|本人就是老板|小老板|经营|工作室|摆摊|微商|务农|种地"
        r"|开了?(?:个|一家|家)?.{0,3}(?:店|院|馆|超市|厂|公司|农家乐)|做(?:点)?(?:小)?生意(?!失败|亏)"
        r"|网店|网上卖|卖.{0,4}(?:的|十)|农民|农户|养殖户|包工头|承包|开厂|做买卖|店主|自己干",
        r"self-employed|own (?:a|my) business|owner|run (?:a|my)|in business|farmer"
        r"|my own (?:business|company|shop|store|restaurant)")),
    ("freelance", 2, Lex(
        r"自由职业|自由撰稿|零工|日结|按天|外卖|骑手|网约车|滴滴|代驾|跑单|自媒体|主播|直播|闪送|货拉拉"
        r"|打短工|临时工|接私活",
        r"Uber|Lyft|DoorDash|delivery rider|freelanc|\bgig|contractor|odd jobs|day labou?r")),
    ("private", 1, Lex(
        r"公司|私企|民企|外企|企业|厂|上班|打工|员工|职员|服务员|销售|前台|行政|助理|律所|外资|美资"
        r"|德资|快递|仓管|厨师|保安|柜员|经理|工程师|主管|运营|研发|护士|店员|保育员|KTV|餐馆|饭店|药企"
        r"|在[^，。,]{1,12}(?:当|做)|工人|普工|司机|程序员|设计师|会计|出纳|文员|客服|收银|导购|技术员"
        r"|电工|焊工|保洁|保姆|月嫂|物业|HR|人事|财务|编辑|律师|医生|美容师|理发师|教练|打工人|上班族",
        r"company|firm|employer|work (?:at|for|in)|employee|engineer|manager|nurse|barista|chef"
        r"|sales|accountant|teacher|Walmart|cafe|\bjob|cashier|clerk|analyst|developer"
        r"|programmer|designer|consultant|technician|warehouse|factory|waiter|waitress|\bcook\b"
        r"|receptionist|assistant|secretary|cleaner|security guard|driver|mechanic|paralegal"
        r"|lawyer|pharmacist|staff")),
]
# fmt: on
PREVIOUS = rx(r"以前|之前|原来|上一份|前公司|年前|used to|formerly|previous")

# --- age ------------------------------------------------------------------------------------------

AGE_AFTER = rx(r"\s*(?:周岁|岁)(?!的(?:孩子|儿子|女儿|小孩))|\s*-?\s*years?[- ]old\b")
AGE_BEFORE = rx(r"(?:今年|现年|年龄|I'm|I am|aged?|快)\s*$")
AGE_END = rx(r"\s*(?:了|and\b|[,，.。;]|$)")
BIRTH = rx(r"\s*年\s*(?:出生|生|的(?![房车]))")
BORN = rx(r"born(?: in)?\s*$")
AGE_OTHER = rx(r"儿子|女儿|孩子|老伴|父母|爸|妈|老人|son|daughter|kid|mother|father|wife|husband")
BARE_AGE = re.compile(r"[\s,，]*")
BARE_AGE_END = re.compile(r"[\s,，.。]*")
