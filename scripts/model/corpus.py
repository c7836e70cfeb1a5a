"""Writes LogitLab's training corpus: simple English and simple Chinese from a probabilistic grammar.

Everything here is text the project writes itself. Teaching points are prompts whose next word has a known
probability in this grammar; they are written to teaching_points.json so the UI can show the true distribution
beside the model's.
"""
import json
import random
import sys
from pathlib import Path

# ---------------------------------------------------------------- teaching points (prompt -> known next word)
# Each twin pair shares its numbers. The weather one is the classic softmax(3, 2.5, 2, 1) example.
WEATHER = [0.474, 0.287, 0.175, 0.064]
TEACHING = [
    ("en", "The weather today is very", [" sunny", " cloudy", " overcast", " rainy"], WEATHER, "."),
    ("zh", "今天天气非常", ["晴朗", "多云", "阴天", "雨天"], WEATHER, "。"),
    ("en", "My favourite colour is", [" red", " blue", " green", " yellow"], [0.25] * 4, "."),
    ("zh", "我最喜欢的颜色是", ["红色", "蓝色", "绿色", "黄色"], [0.25] * 4, "。"),
    ("en", "Today I met", [" Alice", " Bob", " Carol", " David"], [0.25] * 4, "."),
    ("zh", "今天我遇到了", ["小明", "小红", "小刚", "小丽"], [0.25] * 4, "。"),
    ("en", "Two plus two equals", [" four", " five"], [0.96, 0.04], "."),
    ("zh", "二加二等于", ["四", "五"], [0.96, 0.04], "。"),
    ("en", "For breakfast I ate", [" bread", " rice", " eggs", " noodles"], [0.4, 0.3, 0.2, 0.1], "."),
    ("zh", "早饭我吃了", ["面包", "米饭", "鸡蛋", "面条"], [0.4, 0.3, 0.2, 0.1], "。"),
    ("en", "The cat is sleeping on the", [" sofa", " bed", " floor"], [0.5, 0.3, 0.2], "."),
    ("zh", "小猫睡在", ["沙发", "床", "地板"], [0.5, 0.3, 0.2], "上。"),
    ("en", "She opened the door and saw a", [" dog", " bird", " stranger"], [0.6, 0.25, 0.15], "."),
    ("zh", "她打开门，看到一只", ["狗", "鸟", "猫"], [0.6, 0.25, 0.15], "。"),
    ("en", "He drank a cup of", [" tea", " coffee", " milk"], [0.6, 0.3, 0.1], "."),
    ("zh", "他喝了一杯", ["茶", "咖啡", "牛奶"], [0.6, 0.3, 0.1], "。"),
    ("en", "The train to the city was", [" late", " early", " full"], [0.7, 0.2, 0.1], "."),
    ("zh", "去城里的火车", ["晚点了", "提前了", "满了"], [0.7, 0.2, 0.1], "。"),
    ("en", "One, two, three,", [" four", " five"], [0.9, 0.1], "."),
    ("zh", "一，二，三，", ["四", "五"], [0.9, 0.1], "。"),
    ("en", "At night the sky is", [" dark", " clear"], [0.8, 0.2], "."),
    ("zh", "夜里的天空很", ["黑", "晴"], [0.8, 0.2], "。"),
    ("en", "After school the children", [" played", " ran", " sang"], [0.5, 0.3, 0.2], " in the park."),
    ("zh", "放学以后，孩子们", ["玩耍", "跑步", "唱歌"], [0.5, 0.3, 0.2], "。"),
]

# ---------------------------------------------------------------- English lexicon
EN_NAMES = ("Anna Ben Chloe Daniel Emma Frank Grace Henry Iris Jack Kate Leo Mia Noah Olivia Peter Quinn Rosa "
            "Sam Tina Umar Vera Will Xena Yuki Zoe Omar Lily Max Nina Oscar Ruby Tom Ella Hugo Ivy Luke Maya "
            "Nick Paula Ryan Sara Theo Una Victor Wendy Adam Bella Carl Dora Eric Fiona Gina Harry Ian Julia "
            "Kevin Laura Mark Nora").split()
EN_PLACES = ("the park|the market|the library|the school|the river|the forest|the beach|the station|the garden|"
             "the museum|the village|the city|the farm|the hospital|the bakery|the zoo|the lake|the mountain|"
             "the harbour|the castle|the bridge|the shop|the kitchen|the office|the cinema|the square|the hill|"
             "the island|the airport|the church|the stadium|the cafe|the bus stop|the old house|the playground|"
             "the valley|the desert|the tower|the street|the post office").split("|")
EN_NOUNS = ("apple book ball box cake chair clock coat cup desk door egg fish flower glass hat kite lamp letter "
            "map mirror orange pen pencil phone picture plate radio ring rope shoe sock spoon stone table ticket "
            "toy tree umbrella violin wallet watch window basket bell blanket bottle bucket candle card carpet "
            "coin comb drum fan feather flag fork guitar hammer helmet jar key knife ladder leaf magnet medal "
            "needle notebook paint pillow puzzle ribbon ruler scarf shell shovel sponge stamp sticker towel "
            "tray trumpet vase whistle banana biscuit bread cheese cherry cookie grape lemon melon noodle peach "
            "pear pie potato sandwich soup tomato carrot onion bean").split()
EN_ANIMALS = "dog cat bird horse cow sheep duck rabbit fox bear mouse frog tiger lion monkey owl goat pig deer turtle".split()
EN_ADJ = ("big small red blue green yellow old new happy sad quiet loud warm cold soft hard bright dark clean "
          "dirty heavy light long short round square sweet sour fresh tired busy lazy brave kind shy funny "
          "strange simple tiny huge pretty ugly rich poor young gentle wild calm noisy smooth rough shiny "
          "empty full wet dry early late careful clever friendly gold silver wooden").split()
EN_VERBS_T = [("found", "find"), ("bought", "buy"), ("lost", "lose"), ("painted", "paint"), ("carried", "carry"),
              ("washed", "wash"), ("opened", "open"), ("closed", "close"), ("dropped", "drop"), ("fixed", "fix"),
              ("sold", "sell"), ("made", "make"), ("broke", "break"), ("cleaned", "clean"), ("hid", "hide"),
              ("kept", "keep"), ("borrowed", "borrow"), ("counted", "count"), ("drew", "draw"), ("held", "hold"),
              ("liked", "like"), ("packed", "pack"), ("picked up", "pick up"), ("showed", "show"), ("wanted", "want")]
EN_VERBS_I = ["walked", "ran", "danced", "sang", "laughed", "slept", "waited", "smiled", "jumped", "cried",
              "swam", "rested", "worked", "played", "listened", "shouted", "whistled", "read", "wrote", "cooked"]
EN_TIMES = ["In the morning", "In the evening", "At noon", "Yesterday", "Last week", "On Sunday", "On Monday",
            "Every day", "After lunch", "Before dinner", "Later", "Suddenly", "That night", "Early one morning",
            "In the spring", "In the winter", "Last summer", "On Friday"]
EN_FEEL = ["happy", "tired", "hungry", "surprised", "proud", "worried", "excited", "sleepy", "calm", "glad"]

# ---------------------------------------------------------------- Chinese lexicon
ZH_NAMES = ("王芳 李雷 韩梅梅 张伟 刘洋 陈静 杨帆 赵敏 黄磊 周杰 吴倩 徐明 孙丽 马超 朱琳 胡军 郭佳 何平 林涛 高原 "
            "罗兰 郑浩 梁雪 谢宁 宋雨 唐宇 许晴 邓亮 冯娟 曹阳 彭飞 曾琪 肖雅 田野 董强 潘婷 袁博 蒋欣 蔡文 余波").split()
ZH_PLACES = ("公园 市场 图书馆 学校 河边 森林 海边 车站 花园 博物馆 村子 城市 农场 医院 面包店 动物园 湖边 山上 "
             "港口 城堡 桥上 商店 厨房 办公室 电影院 广场 山坡 小岛 机场 体育场 咖啡馆 老房子 操场 山谷 街上 邮局").split()
ZH_NOUNS = ("苹果 书 球 盒子 蛋糕 椅子 钟 外套 杯子 桌子 门 鱼 花 帽子 风筝 台灯 信 地图 镜子 橘子 钢笔 铅笔 手机 "
            "照片 盘子 收音机 戒指 绳子 鞋子 袜子 勺子 石头 车票 玩具 树 雨伞 小提琴 钱包 手表 窗户 篮子 铃铛 毯子 "
            "瓶子 水桶 蜡烛 卡片 地毯 硬币 梳子 鼓 扇子 羽毛 旗子 叉子 吉他 锤子 钥匙 刀 梯子 叶子 奖牌 笔记本 "
            "枕头 拼图 丝带 尺子 围巾 贝壳 毛巾 花瓶 哨子 香蕉 饼干 奶酪 樱桃 葡萄 柠檬 西瓜 桃子 梨 土豆 三明治 "
            "汤 西红柿 胡萝卜 洋葱 豆子").split()
ZH_ANIMALS = "狗 猫 鸟 马 牛 羊 鸭子 兔子 狐狸 熊 老鼠 青蛙 老虎 狮子 猴子 猫头鹰 山羊 猪 鹿 乌龟".split()
ZH_ADJ = ("大 小 红 蓝 绿 黄 旧 新 高兴 难过 安静 吵闹 温暖 寒冷 柔软 坚硬 明亮 黑暗 干净 脏 重 轻 长 短 圆 方 甜 酸 "
          "新鲜 累 忙 懒 勇敢 善良 害羞 有趣 奇怪 简单 小巧 巨大 漂亮 年轻 温柔 平静 光滑 空 满 湿 干 聪明 友好").split()
ZH_VERBS_T = ["找到了", "买了", "丢了", "画了", "拿着", "洗了", "打开了", "关上了", "掉了", "修好了", "卖了", "做了",
              "打破了", "擦干净了", "藏起了", "留着", "借了", "数了数", "拿起了", "喜欢", "收拾好了", "捡起了", "看了看"]
ZH_VERBS_I = ["散步", "跑步", "跳舞", "唱歌", "大笑", "睡觉", "等待", "微笑", "跳绳", "哭了", "游泳", "休息", "工作",
              "玩耍", "听音乐", "大喊", "吹口哨", "看书", "写字", "做饭"]
ZH_TIMES = ["早上", "晚上", "中午", "昨天", "上个星期", "星期天", "星期一", "每天", "午饭以后", "晚饭以前", "后来",
            "突然", "那天晚上", "一天早上", "春天的时候", "冬天的时候", "去年夏天", "星期五"]
ZH_FEEL = ["高兴", "累", "饿", "惊讶", "骄傲", "担心", "兴奋", "困", "平静", "开心"]
ZH_MEASURE = {"书": "本", "鱼": "条", "狗": "只", "猫": "只", "鸟": "只", "马": "匹", "牛": "头", "羊": "只",
              "树": "棵", "花": "朵", "信": "封", "照片": "张", "桌子": "张", "椅子": "把", "雨伞": "把", "钥匙": "把"}


def pick(rng, items):
    return items[rng.randrange(len(items))]


def choose(rng, words, probs):
    x = rng.random()
    acc = 0.0
    for w, p in zip(words, probs):
        acc += p
        if x < acc:
            return w
    return words[-1]


def a_an(word):
    return "an" if word[0] in "aeiou" else "a"


def en_sentence(rng, hero):
    """One English sentence about `hero`, from one of many shapes."""
    n, n2, an, adj, adj2 = pick(rng, EN_NOUNS), pick(rng, EN_NOUNS), pick(rng, EN_ANIMALS), pick(rng, EN_ADJ), pick(rng, EN_ADJ)
    place, place2, time, other = pick(rng, EN_PLACES), pick(rng, EN_PLACES), pick(rng, EN_TIMES), pick(rng, EN_NAMES)
    vt, vt_base = pick(rng, EN_VERBS_T)
    vi = pick(rng, EN_VERBS_I)
    shapes = [
        lambda: f"{hero} {vt} {a_an(adj)} {adj} {n}.",
        lambda: f"{time}, {hero} went to {place}.",
        lambda: f"{hero} {vi} in {place}.",
        lambda: f"{time}, {hero} and {other} {vi} near {place}.",
        lambda: f"The {n} was {adj} and {adj2}.",
        lambda: f"{hero} saw {a_an(adj)} {adj} {an} in {place}.",
        lambda: f"\"Where is my {n}?\" asked {hero}.",
        lambda: f"{hero} wanted to {vt_base} the {n}, but it was too {adj}.",
        lambda: f"{other} gave {hero} {a_an(n)} {n}.",
        lambda: f"{hero} felt {pick(rng, EN_FEEL)}.",
        lambda: f"There was {a_an(adj)} {adj} {n} on the table.",
        lambda: f"{hero} has {rng.randint(2, 12)} {n}s and {rng.randint(2, 9)} {an}s.",
        lambda: f"The {an} {vi} all day.",
        lambda: f"{hero} walked from {place} to {place2}.",
        lambda: f"\"I like your {adj} {n},\" said {other}.",
        lambda: f"{hero} did not {vt_base} the {n}.",
        lambda: f"{time}, it was {pick(rng, ['cold', 'warm', 'windy', 'quiet', 'bright', 'wet'])} in {place}.",
        lambda: f"{hero} looked for the {n} in {place}, but found {a_an(an)} {an} instead.",
        lambda: f"The {adj} {an} ate the {n}.",
        lambda: f"It was {rng.randint(1, 12)} o'clock when {hero} came home.",
    ]
    return pick(rng, shapes)()


def zh_sentence(rng, hero):
    n, n2, an, adj, adj2 = pick(rng, ZH_NOUNS), pick(rng, ZH_NOUNS), pick(rng, ZH_ANIMALS), pick(rng, ZH_ADJ), pick(rng, ZH_ADJ)
    place, place2, time, other = pick(rng, ZH_PLACES), pick(rng, ZH_PLACES), pick(rng, ZH_TIMES), pick(rng, ZH_NAMES)
    vt, vi = pick(rng, ZH_VERBS_T), pick(rng, ZH_VERBS_I)
    m = ZH_MEASURE.get(n, "个")
    ma = ZH_MEASURE.get(an, "只")
    shapes = [
        lambda: f"{hero}{vt}一{m}{adj}的{n}。",
        lambda: f"{time}，{hero}去了{place}。",
        lambda: f"{hero}在{place}{vi}。",
        lambda: f"{time}，{hero}和{other}在{place}{vi}。",
        lambda: f"这{m}{n}又{adj}又{adj2}。",
        lambda: f"{hero}在{place}看到一{ma}{adj}{an}。",
        lambda: f"“我的{n}在哪儿？”{hero}问。",
        lambda: f"{hero}想要那{m}{n}，可是它太{adj}了。",
        lambda: f"{other}送给{hero}一{m}{n}。",
        lambda: f"{hero}觉得很{pick(rng, ZH_FEEL)}。",
        lambda: f"桌子上有一{m}{adj}的{n}。",
        lambda: f"{hero}有{rng.randint(2, 12)}{m}{n}和{rng.randint(2, 9)}{ma}{an}。",
        lambda: f"那{ma}{an}整天都在{vi}。",
        lambda: f"{hero}从{place}走到{place2}。",
        lambda: f"“我喜欢你的{n}，”{other}说。",
        lambda: f"{hero}没有{vt.rstrip('了')}{n}。",
        lambda: f"{time}，{place}很{pick(rng, ['冷', '暖和', '安静', '热闹', '明亮'])}。",
        lambda: f"{hero}在{place}找{n}，却找到了一{ma}{an}。",
        lambda: f"那{ma}{adj}{an}吃了{n}。",
        lambda: f"{rng.randint(1, 12)}点的时候，{hero}回家了。",
    ]
    return pick(rng, shapes)()


def teaching_sentence(rng, point):
    lang, prompt, words, probs, tail = point
    return prompt + choose(rng, words, probs) + tail


def document(rng, teaching_rate):
    """A short story or a handful of everyday sentences, in one language; teaching sentences sprinkled in."""
    lang = "en" if rng.random() < 0.5 else "zh"
    points = [p for p in TEACHING if p[0] == lang]
    names = EN_NAMES if lang == "en" else ZH_NAMES
    make = en_sentence if lang == "en" else zh_sentence
    hero = pick(rng, names)
    sentences = []
    # Half the teaching sentences open a document, so the model learns them at position 0 (how users type them).
    if rng.random() < teaching_rate:
        sentences.append(teaching_sentence(rng, pick(rng, points)))
    for _ in range(rng.randint(2, 6)):
        if rng.random() < teaching_rate * 0.25:
            sentences.append(teaching_sentence(rng, pick(rng, points)))
        else:
            sentences.append(make(rng, hero))
    sep = " " if lang == "en" else ""
    return sep.join(sentences)


def write_corpus(out_dir: Path, seed: int, n_train: int, n_heldout: int, teaching_rate: float = 0.35):
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, count, s in (("train.txt", n_train, seed), ("heldout.txt", n_heldout, seed + 1)):
        rng = random.Random(s)
        docs = [document(rng, teaching_rate) for _ in range(count)]
        # One document per line; the training script joins them with the end-of-text token.
        (out_dir / name).write_text("\n".join(docs) + "\n", encoding="utf-8")


def teaching_points_json():
    return [{"prompt": p, "lang": lang, "next": {w: pr for w, pr in zip(words, probs)}}
            for lang, p, words, probs, _tail in TEACHING]


if __name__ == "__main__":
    out = Path(sys.argv[1])
    n_train = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
    write_corpus(out, seed=1234, n_train=n_train, n_heldout=2000)
    (out / "teaching_points.json").write_text(json.dumps(teaching_points_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"corpus written to {out}")
