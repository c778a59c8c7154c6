"""Word lists the extraction rules use, in one place so they can be read and extended.

Each list is general civil-affairs or plan-writing vocabulary (none names a particular bureau). The rules
that use them are in figures.py; the gold set's README (R3–R8) is where the rules come from.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------- units
# Measure words and units a figure can carry, longest first where one is a prefix of another.
# Counts of different things stay distinct (个/家/所…), as the plans write them.
COUNT_UNITS = (
    "个百分点", "百分点", "个工作日", "工作日", "平方米", "公里", "人次", "户次", "场次", "名次",
    "元", "人", "名", "个", "家", "所", "张", "床", "户", "项", "类", "支", "条", "处", "次", "场", "座", "篇",
    "对", "件", "套", "台", "辆", "间", "亩", "吨", "份", "册", "部", "种", "位", "例", "具", "单", "倍", "天",
    "小时", "%", "‰",
)
# Words that look like units after a numeral but mark dates, ages, durations, ordinals, grades, phases and
# named sets ("十九届", "二期", "四大行动", "三级网络", "15分钟生活圈"): a numeral followed by one of them is
# never a figure (gold set R8: date, ordinal, grade, slogan, concept_name).
NON_FIGURE_UNITS = ("周年", "分钟", "岁", "年", "月", "日", "周", "届", "轮", "期", "批", "级", "大", "号", "版", "星",
                    "中全会", "时")
UNITS = tuple(sorted(COUNT_UNITS + NON_FIGURE_UNITS, key=len, reverse=True))
MULTIPLIERS = ("千万", "百万", "万", "亿", "千")
MONEY_UNITS = ("元", "万元", "亿元", "千元", "千万元", "百万元")
PERCENT_UNITS = ("%", "‰", "个百分点", "百分点")
# Units after which a figure counts events (meetings, activities, visits): produced within the year.
EVENT_UNITS = ("次", "场", "场次", "人次", "户次", "万人次", "期")
# Chinese numerals below ten are mostly rhetorical ("两条通道", "一张网", "三个一点"); they are figures only
# with these measure words ("都建有一家未保站", "七个方面").
CHINESE_NUMERAL_UNITS = ("个", "家", "所", "处", "户", "名", "人", "座", "支", "类", "项", "场", "次", "篇", "对", "万人",
                         "万元", "亿元", "元", "%", "个百分点", "人次", "万人次", "户次")
# Fixed names with a numeral in them, unquoted in many documents (gold set R8 slogan/name).
FIXED_NAMES = ("两项补贴", "八项规定", "一件事", "一岗双责", "三会一课", "一网通办", "一次办", "两个确立", "两个维护",
               "四个意识", "四个自信", "三项制度", "一票否决", "一把手", "两新组织", "一次性")

# -------------------------------------------------------------------------------------------- comparators
LE_BEFORE = ("不超过", "不高于", "不多于", "控制在", "压缩至", "压减至", "降至", "降低到", "降低至")
# "低于/少于" also end "不低于/不少于" (>=): they are checked with a look-behind in figures.comparator.
LE_BEFORE_BARE = ("低于", "少于")
LE_AFTER = ("以内", "及以下", "以下", "之内")
GE_BEFORE = ("不少于", "不低于", "不小于", "至少", "超过", "突破", "高于", "多于", "大于")
# "至少培育3个": 至少 may stand before the verb of its figure.
GE_BEFORE_VERB = r"(?:至少|最少)[^\d,，。；;、]{1,4}$"
GE_AFTER = ("以上", "及以上", "多", "余")
APPROX_BEFORE = ("约", "近", "大约")
APPROX_AFTER = ("左右",)

# R4.4: counts and amounts produced within the year. "推进/推动" head project counts in plans ("推进5所
# 敬老院建设"); "发展到"/"增加到" are not here: they state a level.
FLOW_VERBS = (
    "新增", "新建", "新设", "新开", "新培育", "建设", "建立", "兴建", "改造", "改建", "扩建", "提升改造", "改造提升",
    "培育", "打造", "创建", "创设", "申报", "完成", "实施", "举办", "开展", "组织", "召开", "提供", "帮扶", "扶持",
    "发放", "办理", "登记", "注销", "撤销", "投入", "统筹", "设立", "下拨", "募集", "筹集", "争取", "资助",
    "确定", "启动", "推出", "转型", "设置", "命名", "摸排", "整治", "查处", "收集", "提出", "查摆", "形成", "邀请",
    "讲授", "开发", "选树", "招募", "培训", "引进", "吸引", "成立", "公布", "推进", "推动", "安置", "接收",
    "认定", "评定", "表彰", "慰问", "走访", "调解", "受理", "捐赠", "捐款", "完善", "配置", "配备", "新建或",
)
# Nouns that contain a verb of the list above; removed before looking for verbs ("开发区", "社会组织").
NOUN_COMPOUNDS = ("开发区", "社会组织", "慈善组织", "党组织", "自治组织", "组织机构", "组织体系", "建设标准", "开展情况",
                  "完成情况", "实施方案", "实施意见", "实施细则", "培训班", "救助站", "服务站", "设置标准")
# Verbs at the start of an indicator that make its figure an output even if a level word follows
# ("打造具备创建标准的社区2个"): every flow verb except the project-progress ones that head a total
# ("推进总投资2.91亿元…").
HEAD_FLOW_EXCLUDED = ("推进", "推动", "完善", "配置", "配备")
# Verbs that state a level or an existing total: "=" (R4.3, and "State verbs describing an existing total").
STATE_VERBS = ("现有", "共有", "拥有", "建有", "达到", "达", "保持", "发展到", "增加到", "增长到", "提高到", "提升到",
               "提高至", "提升至", "增至", "为", "储备", "覆盖", "实现")
# Words in an indicator that make it a level, a stock, a rate or a total (R4.3).
LEVEL_WORDS = ("率", "标准", "每万", "每千", "每百", "万名", "千名", "人均", "平均", "占比", "比例", "比重", "总数", "总量",
               "规模", "总投资", "总额", "余额", "总规模", "拥有", "水平", "指数", "活跃度", "满意度", "知晓率", "排名")
# An indicator that starts with one of these is a flow even if it also names a level word ("新增慈善信托规模").
FLOW_PREFIXES = ("新增", "新建", "新设", "新开", "新培育", "新登记", "新认定")
# A figure preceded by these at the start of its indicator is a periodic level ("月发放保障金392.1万元",
# "年度服务1400万人次"), not a within-year total.
PERIODIC_PREFIXES = ("月均", "月", "每月", "年度", "每年", "日均", "每日")
# Time nouns after "N个": a duration ("3个月", "一个时期"), not a count.
DURATION_NOUNS = ("时期", "阶段", "季度", "周期", "月", "年度", "小时")
# "再提高20%": a percentage uplift is produced within the year (R4.4 "+").
UPLIFT_VERBS = ("提高", "提升", "增长", "增加", "上浮", "上调", "上涨")

# ------------------------------------------------------------------------------------------------ kind
# Section or sentence words that show a figure reports the past (R3 actual).
PAST_MARKERS = ("已建成", "已完成", "已有", "已累计", "已达到", "已培育", "已实现", "已覆盖", "截至目前", "目前已",
                "今年以来", "去年", "上年")
# Words that state a current standard in a plan rather than raise it.
STANDARD_FACT = r"现行|执行.{0,8}标准|标准(?:分别)?(?:为|是)|标准按"
RAISE_VERBS = ("提高", "提升", "调整", "达到", "增加", "上调", "至", "到")
# Modal and framing words removed from the start of an indicator (R6).
MODAL_PREFIXES = ("力争", "计划", "拟", "预计", "确保", "实现", "保持", "争取", "努力", "全力", "继续", "积极", "稳步", "切实", "持续",
                  "进一步", "全年共", "全年", "共", "同时", "此外", "并", "要", "将", "再", "另", "还", "总计",
                  "合计", "到年底", "年底前", "年内", "全市", "全区", "全县", "全省", "其中")
# Comparator and linking words removed from the end of an indicator.
TRAILING_WORDS = (
    "动态保持在", "动态保持", "保持在", "保持", "提高", "提升", "增长", "增加", "下降", "降低",
    "减少", "不少于", "不低于", "不超过", "不高于", "控制在", "稳定在", "提高至", "提高到",
    "提升至", "提升到", "增加到", "增长到", "发展到", "增至", "达到", "超过", "突破", "均达到",
    "均达", "都达到", "分别为", "分别达到", "分别", "至少", "约", "共", "累计", "达", "为",
    "至", "到", "在", "均", "都", "已", "了", "是",
)

# ------------------------------------------------------------------------------------------------ areas
# R7 of the gold set: the business area by the subject of the indicator. Searched in the indicator, then the
# clause, the sentence and the section heading; the earliest keyword wins, the longer on a tie.
AREA_KEYWORDS: dict[str, tuple[str, ...]] = {
    "养老服务": ("老龄", "老年", "老人", "长者", "养老", "敬老院", "福利院", "供养机构", "供养点", "供养服务", "助餐", "食堂",
              "适老化", "家庭养老床位", "护理员", "高龄", "银发", "康养", "认知障碍", "认知症", "失能", "床位"),
    "社会救助": ("低保", "最低生活保障", "特困", "临时救助", "低收入", "社会救助", "救助", "四帮四扶", "助联体", "善居",
              "困难群众", "困难家庭", "救急难", "幸福清单", "家庭经济", "核对", "兜底"),
    "儿童福利": ("孤儿", "儿童", "未保", "未成年人"),
    "社会组织": ("社会组织", "社会团体", "社团", "社会服务机构", "民办非企业", "基金会", "行业协会", "商会", "社区发展基金",
              "秘书长", "公益创投"),
    "慈善社工": ("慈善", "信托", "社工", "社会工作", "福彩", "彩票", "志愿"),
    "社会事务": ("婚姻", "婚俗", "婚育", "结婚", "离婚", "颁证", "殡葬", "殡仪", "公墓", "墓", "骨灰", "安息堂", "安葬", "治丧",
              "火化", "区划", "地名", "门牌", "村牌", "界线", "县界", "联检", "路牌", "街路", "残疾", "精康", "精神障碍",
              "康复", "流浪", "救助管理", "救助站", "移民", "老区", "五老", "收养"),
    "基层治理": ("村(居)委", "村委", "居委", "村民委员会", "居民委员会", "社区治理", "城乡社区", "社区服务", "民生微实事",
              "社区社工站", "协理员", "养老协理员", "示范社区", "微治理", "基层", "议事协商", "社区工作者"),
    "党建与综合": ("党", "调研", "法治", "执法", "行政处罚", "电子签章", "处罚", "违法", "扫黑除恶", "意见", "查摆", "班子",
               "信访", "安全生产", "统计", "规划", "试点"),
}
