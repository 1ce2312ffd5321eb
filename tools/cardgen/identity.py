"""Random but internally consistent identities: name, ethnicity, address, ID number, validity.

Region names and codes come from python-stdnum's copy of the GB/T 2260 table
(`stdnum/cn/loc.dat`); only names still in use (no closing year) are drawn.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, replace
from functools import cache

from stdnum import numdb
from stdnum.cn import ric

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙",
    "宇文", "司徒", "夏侯", "端木", "南宫",
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建国志文辉鹏飞斌宇浩凯健俊帆"
    "帅旭宁龙林欣悦佳怡雨涵梓萱子轩浩然思琪晨曦一诺可馨雪梅海燕春燕秀兰丹波琳婷倩颖亮成林峰"
    "东海云晓光新立德永福荣庆生安邦嘉欢乐雅琴慧敏宏伟家豪梦瑶博文天佑俊杰"
)
# Rarer characters common in given names; the first five are the ones OCR packs miss most.
RARE_CHARS = "翀赟镕奭䶮喆祎玥堃淼婕垚琰彧燊珺璟頔淏皛昀暐翎骞犇湉瑄珩晔"

# (ethnicity as printed, population in ten-thousands, 2020 census, rounded)
ETHNICITIES = (
    ("汉", 128445), ("壮", 1957), ("维吾尔", 1177), ("回", 1138), ("苗", 1107), ("满", 1042),
    ("彝", 983), ("土家", 959), ("藏", 706), ("蒙古", 629), ("布依", 358), ("侗", 350),
    ("瑶", 331), ("白", 209), ("哈尼", 173), ("朝鲜", 170), ("黎", 160), ("哈萨克", 156),
    ("傣", 133), ("畲", 75), ("傈僳", 76), ("东乡", 77), ("仡佬", 68), ("拉祜", 50),
    ("佤", 43), ("水", 50), ("纳西", 32), ("羌", 31), ("土", 28), ("仫佬", 28), ("锡伯", 19),
    ("柯尔克孜", 20), ("景颇", 16), ("达斡尔", 13), ("撒拉", 17), ("布朗", 13), ("毛南", 12),
    ("塔吉克", 5), ("普米", 4.5), ("阿昌", 4.3), ("怒", 3.7), ("鄂温克", 3.4), ("京", 3.3),
    ("基诺", 2.6), ("德昂", 2.2), ("保安", 2.4), ("俄罗斯", 1.6), ("裕固", 1.5),
    ("乌孜别克", 1.3), ("门巴", 1.1), ("鄂伦春", 0.9), ("独龙", 0.7), ("赫哲", 0.5),
    ("高山", 0.3), ("珞巴", 0.4), ("塔塔尔", 0.4),
)

# Names printed on cards that are not (or no longer) one of the 56: 崩龙 (德昂 since 1985),
# 僮 (壮 since 1965), 卡佤 (佤 since 1962), 毛难 (毛南 since 1986), 达呼尔 (达斡尔 since
# 1956), and 穿青人, an undetermined group that Guizhou prints as it is.
HISTORICAL_ETHNICITIES = ("崩龙", "僮", "卡佤", "毛难", "达呼尔", "穿青人")
HISTORICAL_EVERY = 8  # one historical name in every eight of the cycle


def ethnicity_cycle() -> tuple[str, ...]:
    """All 56 names, the least common first, with a historical name every eighth place."""
    official = [name for name, _ in sorted(ETHNICITIES, key=lambda e: e[1])]
    cycle: list[str] = []
    historical = iter(HISTORICAL_ETHNICITIES)
    while official:
        if len(cycle) % HISTORICAL_EVERY == 1 and (name := next(historical, None)):
            cycle.append(name)
        else:
            cycle.append(official.pop(0))
    return (*cycle, *historical)


ROAD_STEMS = (
    "人民", "解放", "建设", "中山", "和平", "文化", "新华", "胜利", "友谊", "长江", "黄河",
    "光明", "幸福", "朝阳", "东风", "红旗", "团结", "青年", "工农", "育才", "迎宾", "滨江",
    "学府", "振兴", "兴业", "民主", "复兴", "南京", "北京", "延安", "金桥", "银河", "松林",
)
ROAD_KINDS = ("路", "路", "路", "街", "大道", "大街", "巷")
PLACE_STEMS = (
    "王庄", "李集", "张湾", "刘家", "陈桥", "杨柳", "黄土", "赵堡", "马坡", "高岭", "石门",
    "白沙", "青龙", "红星", "东岗", "西河", "南塘", "北关", "新店", "大桥", "小河", "柳树",
    "桃园", "杏花", "梨树", "枣林", "双庙", "三合", "四方", "五里", "六合", "七星", "八里",
)
ESTATE_STEMS = ("阳光", "幸福", "锦绣", "翠苑", "金色", "碧水", "绿洲", "康乐", "华府", "丽景")
ESTATE_KINDS = ("花园", "小区", "家园", "新村", "公寓", "佳苑")

# Parent names that are placeholders, not places ("市辖区", "县", …).
_PLACEHOLDER = re.compile(r"^(市辖区|县|郊区|市区|矿区|省直辖.*|自治区直辖.*)$")
_NO_ID_PROVINCES = {"71", "81", "82"}  # Taiwan, Hong Kong, Macau: no mainland ID numbers
_MUNICIPALITIES = {"11", "12", "31", "50"}

ADULT_AGE = 16
LONG_TERM = "long-term"


@dataclass(frozen=True)
class County:
    code: str  # six digits
    province: str
    city: str  # "" when the county sits directly under the province
    name: str


@dataclass(frozen=True)
class Identity:
    name: str
    sex: str
    ethnicity: str
    birth_date: dt.date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: dt.date
    valid_until: dt.date | None  # None = 长期
    rare_name: bool

    def front_fields(self) -> dict[str, str]:
        return {
            "name": self.name, "sex": self.sex, "ethnicity": self.ethnicity,
            "birth_date": self.birth_date.isoformat(), "address": self.address,
            "id_number": self.id_number,
        }

    def back_fields(self) -> dict[str, str]:
        until = self.valid_until.isoformat() if self.valid_until else LONG_TERM
        return {"issuing_authority": self.issuing_authority,
                "valid_from": self.valid_from.isoformat(), "valid_until": until}

    def printed_period(self) -> str:
        until = self.valid_until.strftime("%Y.%m.%d") if self.valid_until else "长期"
        return f"{self.valid_from:%Y.%m.%d}-{until}"


def _current_name(raw: str) -> str | None:
    """'[1983-2000]石灰窑区,[2001-]西塞山区' -> '西塞山区'; None if no longer in use."""
    for part in raw.split(","):
        match = re.fullmatch(r"(?:\[(\d*)-(\d*)\])?(.+)", part)
        if match and not match.group(2):
            return match.group(3)
    return None


def _walk(prefixes: list, parent: str = "") -> dict[str, str]:
    names: dict[str, str] = {}
    for length, low, high, props, children in prefixes:
        for value in range(int(low), int(high) + 1):
            code = parent + str(value).zfill(length)
            label = props.get("county") or props.get("province")
            current = _current_name(label) if label else None
            if current:
                names[code] = current
            names.update(_walk(children, code))
    return names


@cache
def counties() -> tuple[County, ...]:
    """All current county-level divisions with six-digit codes, in code order."""
    names = _walk(numdb.get("cn/loc").prefixes)
    found = []
    for code, name in sorted(names.items()):
        if len(code) != 6 or code.endswith("00") or code[:2] in _NO_ID_PROVINCES:
            continue
        if _PLACEHOLDER.match(name) or code[:2] not in names:
            continue
        province = names[code[:2]]
        city = names.get(code[:4] + "00", "")
        if code[:2] in _MUNICIPALITIES or _PLACEHOLDER.match(city) or city == province:
            city = ""
        found.append(County(code=code, province=province, city=city, name=name))
    return tuple(found)


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def make_name(rng: random.Random, rare_char: str | None) -> str:
    """2–4 characters; a compound surname now and then; `rare_char` goes in the given name."""
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.12 else rng.choice(SURNAMES)
    given_len = 1 if len(surname) == 2 and rng.random() < 0.5 else rng.choice((1, 2, 2, 2))
    given = [rng.choice(GIVEN_CHARS) for _ in range(given_len)]
    if rare_char:
        given[rng.randrange(given_len)] = rare_char
    return surname + "".join(given)


def _birth_date(rng: random.Random) -> dt.date:
    start, end = dt.date(1940, 1, 1), dt.date(2012, 12, 31)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def make_id_number(rng: random.Random, region: str, birth: dt.date, sex: str) -> str:
    """Region + YYYYMMDD + 3-digit sequence (last digit odd for 男) + MOD 11-2 check."""
    sex_digit = rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8))
    seq = rng.randrange(0, 100) * 10 + sex_digit
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "?")  # stdnum drops the last character


def _street_part(rng: random.Random) -> str:
    road = rng.choice(ROAD_STEMS) + rng.choice(ROAD_KINDS) + f"{rng.randint(1, 999)}号"
    style = rng.random()
    if style < 0.35:
        return road
    if style < 0.7:
        flat = f"{rng.randint(1, 33)}0{rng.randint(1, 6)}室"
        return road + f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元" + flat
    estate = rng.choice(ESTATE_STEMS) + rng.choice(ESTATE_KINDS)
    return road + estate + f"{rng.randint(1, 40)}号楼{rng.randint(1, 28)}0{rng.randint(1, 4)}室"


def _rural_part(rng: random.Random) -> str:
    town = rng.choice(PLACE_STEMS) + rng.choice(("镇", "镇", "乡"))
    village = rng.choice(PLACE_STEMS) + "村"
    tail = f"{rng.randint(1, 12)}组{rng.randint(1, 120)}号" if rng.random() < 0.7 else \
        f"{rng.randint(1, 300)}号"
    return town + village + tail


def make_address(rng: random.Random, county: County) -> str:
    """Province, city, county and a street or village part; at most 33 characters."""
    head = county.province + county.city + county.name
    for _ in range(20):
        rural = county.name.endswith(("县", "旗")) or rng.random() < 0.25
        address = head + (_rural_part(rng) if rural else _street_part(rng))
        if len(address) <= 33:
            return address
    return head + f"{rng.choice(ROAD_STEMS)}路{rng.randint(1, 99)}号"


def issuing_authority(rng: random.Random, county: County) -> str:
    """`<市>公安局<区>分局` for a city district, otherwise `<县>公安局`."""
    city = county.city or (county.province if county.code[:2] in _MUNICIPALITIES else "")
    if county.name.endswith("区") and city and len(county.name) > 2:
        district = county.name[:-1] if rng.random() < 0.8 else county.name
        return f"{city}公安局{district}分局"
    return f"{county.name}公安局"


def _add_years(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year + years)


def validity(rng: random.Random, birth: dt.date) -> tuple[dt.date, dt.date | None]:
    """An issue date after birth and the term the law gives for the age at issue."""
    low = max(dt.date(2005, 1, 1), _add_years(birth.replace(day=min(birth.day, 28)), 1))
    high = dt.date(2025, 12, 31)
    issued = low + dt.timedelta(days=rng.randrange(max(1, (high - low).days)))
    issued = issued.replace(day=min(issued.day, 28)) if issued.month == 2 else issued
    age = issued.year - birth.year - ((issued.month, issued.day) < (birth.month, birth.day))
    if age < ADULT_AGE:
        return issued, _add_years(issued, 5)
    if age <= 25:
        return issued, _add_years(issued, 10)
    if age <= 45:
        return issued, _add_years(issued, 20)
    return issued, None


def make_identity(rng: random.Random, rare_char: str | None = None) -> Identity:
    """One person; `rare_char` forces a rarer character into the given name."""
    table = counties()
    home = rng.choice(table)
    sex = rng.choice(("男", "女"))
    birth = _birth_date(rng)
    id_number = make_id_number(rng, home.code, birth, sex)
    # The region code must have existed in the birth year (stdnum checks); else move.
    moved = rng.random() < 0.4  # registered at birth somewhere other than home
    while moved or not ric.is_valid(id_number):
        id_number = make_id_number(rng, rng.choice(table).code, birth, sex)
        moved = False
    valid_from, valid_until = validity(rng, birth)
    return Identity(
        name=make_name(rng, rare_char), sex=sex, ethnicity=_weighted(rng, ETHNICITIES),
        birth_date=birth, address=make_address(rng, home),
        id_number=id_number,
        issuing_authority=issuing_authority(rng, home), valid_from=valid_from,
        valid_until=valid_until, rare_name=rare_char is not None,
    )


# -- deliberate disagreements (labels carry what is printed) -----------------------------


def number_sex(id_number: str) -> str:
    """The sex the number encodes: its 17th digit is odd for 男."""
    return "男" if int(id_number[16]) % 2 else "女"


def number_birth(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def with_tampered_sex(person: Identity) -> Identity:
    """The card prints the other sex than its number says."""
    return replace(person, sex="女" if number_sex(person.id_number) == "男" else "男")


def with_tampered_birth(person: Identity, rng: random.Random) -> Identity:
    """The card prints a birth date other than its number's: a day, month or year off."""
    born = number_birth(person.id_number)
    for _ in range(20):
        kind = rng.choice(("day", "month", "year"))
        if kind == "day":
            printed = born + dt.timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 20))
        elif kind == "month":
            printed = born.replace(month=rng.choice([m for m in range(1, 13) if m != born.month]),
                                   day=min(born.day, 28))
        else:
            printed = born.replace(year=born.year + rng.choice((-3, -2, -1, 1, 2, 3)),
                                   day=min(born.day, 28))
        if printed != born:
            return replace(person, birth_date=printed)
    raise AssertionError("unreachable: a shifted date differs")


def with_short_number(person: Identity) -> Identity:
    """The card prints only the first 17 digits (no check digit)."""
    return replace(person, id_number=person.id_number[:17])


# -- the printed page around a copied card -------------------------------------------------

FILLER_LINES = (
    "本人承诺所提交的身份证复印件及其他材料真实有效。", "请将居民身份证正反面复印在同一页上。",
    "以下为申请材料清单：", "1. 居民身份证复印件一份；", "2. 户口簿复印件一份；",
    "3. 近期免冠照片两张。", "经办人签字：", "申请人签字：", "备注：复印件仅限本次业务使用。",
    "本表一式两份，双方各执一份。", "如有疑问请咨询服务窗口。", "审核意见：同意办理。",
)


def form_lines(other: Identity, rng: random.Random) -> list[str]:
    """The text of a form around a copied card: filler and another person's particulars
    under the same labels a card uses, so a reader that strays off the card answers wrong."""
    particulars = [
        f"申请人姓名：{other.name}", f"性别：{other.sex}    民族：{other.ethnicity}",
        f"出生日期：{other.birth_date.year}年{other.birth_date.month}月{other.birth_date.day}日",
        f"住址：{other.address}", f"公民身份号码：{other.id_number}",
        f"签发机关：{other.issuing_authority}", f"有效期限：{other.printed_period()}",
    ]
    filler = list(FILLER_LINES)
    rng.shuffle(filler)
    day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000))
    return ["业务申请表", *particulars, *filler, f"日期：{day.year}年{day.month}月{day.day}日"]
