"""Fixed vocabulary of the demo: schools, majors, names, clubs and bios.

Everything here is plain data; yiban_core.demo.plan draws from it with a seeded
random.Random, so the same seed always gives the same people.
"""

from dataclasses import dataclass

DEMO_PASSWORD = "yiban-demo-2026"
DEMO_STUDENT = "demo_student"
DEMO_TEACHER = "demo_teacher"
DEMO_ADMIN = "demo_admin"
DEMO_LOGINS = (DEMO_STUDENT, DEMO_TEACHER, DEMO_ADMIN)


@dataclass(frozen=True)
class SchoolSpec:
    code: str  # ASCII prefix of generated usernames: thu2023010123
    name: str
    short_name: str
    kind: str  # School.Kind value
    city: str
    years: tuple[int, ...]  # enrolment years of current students (本科 4 年, 高职 3 年)
    # (major, department, a course its teachers give)
    majors: tuple[tuple[str, str, str], ...]


UNIVERSITY_YEARS = (2023, 2024, 2025, 2026)
VOCATIONAL_YEARS = (2024, 2025, 2026)

SCHOOLS: tuple[SchoolSpec, ...] = (
    SchoolSpec("thu", "清华大学", "清华", "university", "北京", UNIVERSITY_YEARS, (
        ("计算机科学与技术", "计算机系", "数据结构"),
        ("软件工程", "软件学院", "软件工程导论"),
        ("电子信息工程", "电子工程系", "信号与系统"),
        ("自动化", "自动化系", "自动控制原理"),
        ("建筑学", "建筑学院", "建筑设计基础"),
        ("经济与金融", "经济管理学院", "微观经济学"),
    )),
    SchoolSpec("zju", "浙江大学", "浙大", "university", "杭州", UNIVERSITY_YEARS, (
        ("计算机科学与技术", "计算机科学与技术学院", "操作系统"),
        ("人工智能", "计算机科学与技术学院", "机器学习"),
        ("机械工程", "机械工程学院", "机械原理"),
        ("临床医学", "医学院", "系统解剖学"),
        ("汉语言文学", "文学院", "现代汉语"),
        ("农学", "农业与生物技术学院", "作物栽培学"),
    )),
    SchoolSpec("whu", "武汉大学", "武大", "university", "武汉", UNIVERSITY_YEARS, (
        ("测绘工程", "测绘学院", "测量学"),
        ("遥感科学与技术", "遥感信息工程学院", "遥感原理与方法"),
        ("法学", "法学院", "民法总论"),
        ("新闻学", "新闻与传播学院", "新闻采访与写作"),
        ("数学与应用数学", "数学与统计学院", "数学分析"),
        ("水利水电工程", "水利水电学院", "水力学"),
    )),
    SchoolSpec("fdu", "复旦大学", "复旦", "university", "上海", UNIVERSITY_YEARS, (
        ("新闻学", "新闻学院", "传播学概论"),
        ("经济学", "经济学院", "宏观经济学"),
        ("临床医学", "上海医学院", "生理学"),
        ("物理学", "物理学系", "普通物理"),
        ("英语", "外国语言文学学院", "综合英语"),
        ("微电子科学与工程", "微电子学院", "半导体物理"),
    )),
    SchoolSpec("szpu", "深圳职业技术大学", "深职大", "vocational", "深圳", VOCATIONAL_YEARS, (
        ("软件技术", "人工智能学院", "Java 程序设计"),
        ("人工智能技术应用", "人工智能学院", "Python 编程基础"),
        ("集成电路技术", "集成电路学院", "电子电路基础"),
        ("工业机器人技术", "机电工程学院", "工业机器人编程"),
        ("电子商务", "管理学院", "网店运营"),
        ("新能源汽车技术", "汽车与交通学院", "动力电池技术"),
    )),
    SchoolSpec("jhc", "金华职业技术学院", "金职院", "vocational", "金华", VOCATIONAL_YEARS, (
        ("护理", "医学院", "基础护理技术"),
        ("机电一体化技术", "机电工程学院", "PLC 应用技术"),
        ("汽车检测与维修技术", "机电工程学院", "汽车发动机构造与维修"),
        ("学前教育", "师范学院", "幼儿游戏与指导"),
        ("电子商务", "经济管理学院", "直播电商实务"),
        ("建筑工程技术", "建筑工程学院", "建筑施工技术"),
    )),
)

# Surnames weighted roughly by how common they are (百家姓 as people actually carry them).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 70), ("李", 70), ("张", 66), ("刘", 50), ("陈", 45), ("杨", 32), ("黄", 24),
    ("赵", 21), ("吴", 20), ("周", 20), ("徐", 15), ("孙", 15), ("马", 13), ("朱", 13),
    ("胡", 12), ("郭", 12), ("何", 11), ("林", 11), ("高", 11), ("罗", 10), ("郑", 10),
    ("梁", 9), ("谢", 8), ("宋", 7), ("唐", 7), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7),
    ("曹", 6), ("彭", 6), ("曾", 6), ("肖", 6), ("田", 5), ("董", 5), ("袁", 5), ("潘", 5),
    ("于", 5), ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 5), ("叶", 5), ("程", 5), ("苏", 4),
    ("魏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("沈", 4), ("姚", 4), ("卢", 4), ("姜", 3),
    ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 3), ("汪", 3), ("范", 3), ("金", 3), ("石", 3),
    ("廖", 3), ("贾", 3), ("夏", 3), ("韦", 3), ("方", 3), ("白", 2), ("邹", 2), ("孟", 2),
    ("熊", 2), ("秦", 2), ("邱", 2), ("江", 2), ("尹", 2), ("薛", 2), ("段", 2), ("雷", 2),
    ("侯", 2), ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2), ("顾", 2), ("毛", 2),
    ("郝", 1), ("龚", 1), ("邵", 1), ("万", 1), ("钱", 1), ("严", 1), ("覃", 1), ("武", 1),
    ("戴", 1), ("莫", 1), ("孔", 1), ("向", 1), ("汤", 1), ("欧阳", 1), ("司马", 1),
    ("诸葛", 1), ("上官", 1),
)

# Whole given names as parents chose them, and single characters to compose more.
GIVEN_NAMES_MALE = (
    "浩然", "子轩", "宇航", "俊杰", "博文", "思远", "天宇", "明轩", "梓豪", "昊天", "一鸣",
    "晨阳", "嘉懿", "文博", "志强", "建华", "家豪", "泽宇", "子墨", "浩宇", "宇辰", "睿哲",
    "鹏飞", "俊熙", "晓东", "海洋", "振宇", "立新", "逸凡", "皓轩", "承泽", "景行", "书恒",
)
GIVEN_NAMES_FEMALE = (
    "欣怡", "子涵", "梓萱", "雨桐", "诗涵", "一诺", "佳琪", "雅婷", "梦琪", "思彤", "若曦",
    "语嫣", "婉清", "静怡", "晓雪", "可馨", "雨萱", "佳怡", "心怡", "紫涵", "艺涵", "欣妍",
    "晨曦", "嘉怡", "慧敏", "丽娟", "婧琪", "书瑶", "芷若", "清妍", "沐晴", "安琪", "诗琪",
)
GIVEN_CHARS_MALE = "伟强磊军洋勇杰涛明超浩宇鹏俊博文斌辉刚健晨轩泽睿昊然天逸铭凯航哲豪峰阳鑫毅"
GIVEN_CHARS_FEMALE = "芳娜敏静丽婷雪琳欣怡佳悦梦雨萱涵诗思晓颖璐瑶倩慧妍婧彤琪露月馨蕾洁媛"

STUDENT_BIOS = (
    "{major}专业，{year}级，在{city}求学中。",
    "{short}{major}的一名普通学生，喜欢{hobby}。",
    "{hobby}爱好者，欢迎一起交流～",
    "绩点在努力，头发在减少。{major}人。",
    "热爱{hobby}，也热爱{major}。",
    "来自{hometown}，现在在{city}读书。",
    "班级学习委员，有问题随时找我。",
    "图书馆常驻人口，期末周互相督促学习。",
    "",
)
UNIVERSITY_BIOS = (
    "正在准备考研，目标是{target}，一起加油！",
    "保研还是工作？纠结中。{major}方向。",
    "实验室搬砖中，偶尔发发论文笔记。",
)
VOCATIONAL_BIOS = (
    "努力准备技能大赛中，{major}方向。",
    "考证进行时：1+X 证书冲冲冲！",
    "顶岗实习中，欢迎交流{major}的实操经验。",
    "专升本备考中，一起加油！",
)
TEACHER_BIOS = (
    "{school}{department}教师，主讲《{course}》。",
    "{department}辅导员，负责{year}级学生工作，有事请在班级群里说。",
    "{school}{department}讲师，研究方向与《{course}》相关，欢迎同学们来办公室交流。",
    "{department}副教授，《{course}》课程负责人。",
)
STAFF_BIO = "{school}学生工作处，负责易班平台运营与学生认证。"
HOBBIES = (
    "摄影", "篮球", "羽毛球", "吉他", "编程", "阅读", "跑步", "追剧", "做饭", "旅行", "画画",
    "围棋", "游泳", "志愿服务", "电竞", "二次元", "看展", "徒步", "书法", "古风音乐",
)
HOMETOWNS = (
    "四川成都", "湖南长沙", "河南郑州", "山东青岛", "广东汕头", "江西赣州", "福建泉州",
    "安徽合肥", "河北保定", "黑龙江哈尔滨", "云南大理", "广西桂林", "贵州遵义", "甘肃兰州",
    "浙江温州", "江苏徐州", "湖北宜昌", "陕西西安", "重庆", "内蒙古包头",
)
KAOYAN_TARGETS = ("北大", "清华", "复旦", "浙大", "中科院", "上交", "南大", "本校")


@dataclass(frozen=True)
class ClubSpec:
    name: str
    description: str
    is_private: bool = False
    join_policy: str = "open"  # Group.JoinPolicy value
    popularity: float = 1.0  # relative chance a student joins
    vocational_only: bool = False


CLUBS: tuple[ClubSpec, ...] = (
    ClubSpec("摄影社", "扫街、外拍、后期交流，每月一次主题外拍。", popularity=1.4),
    ClubSpec("考研交流群", "考研经验、资料分享和每日打卡。入群请写明目标院校。",
             join_policy="approval", popularity=1.6),
    ClubSpec("篮球协会", "每周三、周六下午篮球场约球，院系杯报名也在这里。", popularity=1.3),
    ClubSpec("英语角", "每周四晚图书馆门口英语角，四六级和雅思备考互助。", popularity=1.0),
    ClubSpec("编程爱好者", "刷题、开源项目和比赛组队，新手也欢迎。", popularity=1.2),
    ClubSpec("吉他社", "零基础教学，每学期末有草坪音乐会。", popularity=0.8),
    ClubSpec("志愿者协会", "社区服务、支教和大型赛会志愿者招募，需审核。",
             join_policy="approval", popularity=1.0),
    ClubSpec("读书会", "每两周共读一本书，线下分享。", popularity=0.6),
    ClubSpec("羽毛球俱乐部", "体育馆约场、拼场，欢迎各水平球友。", popularity=0.9),
    ClubSpec("心理互助小组", "匿名倾诉、互相支持。私密群，成员和内容仅成员可见。",
             is_private=True, join_policy="approval", popularity=0.3),
    ClubSpec("学生会干部群", "学生会内部工作群，仅限邀请。", is_private=True,
             join_policy="closed", popularity=0.15),
    ClubSpec("技能大赛集训队", "职业院校技能大赛备赛交流，选拔入队。", is_private=True,
             join_policy="approval", popularity=0.4, vocational_only=True),
)

# Interest groups with no school: open to everyone on the network.
NATIONAL_CLUBS: tuple[ClubSpec, ...] = (
    ClubSpec("全国考研互助联盟", "跨校考研交流：择校、专业课资料和复试经验。", popularity=1.0),
    ClubSpec("高校程序员成长营", "各校编程爱好者的交流群，算法、实习和开源。", popularity=0.7),
    ClubSpec("职教技能交流圈", "职业院校同学的技能学习、证书考试和实习就业交流。",
             popularity=0.8, vocational_only=True),
)
