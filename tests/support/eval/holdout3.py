"""A third set of shopper messages, written without reading the agent's lexicon or
understanding code and run once as written: an unbiased estimate for new messages (same
format as ``cases.py``; orders A/B/C/V are ``test_eval.ORDERS``).

Sizes follow the demo charts (dresses and knitwear: chest S <= 88, M <= 95, L <= 102; waist
S <= 70, M <= 77, L <= 84; hip S <= 94, M <= 101, L <= 108; outerwear: chest S <= 92,
M <= 99, L <= 106). The woven clutch is sold out in its only colour; the cropped leather
jacket is in stock in every size.
"""

from __future__ import annotations

from tests.support.eval.cases import Case

# A size letter on its own (Han or Arabic text may touch it, so no \b).
SIZE_M = "re:(?<![A-Za-z])M(?![A-Za-z])"
SIZE_L = "re:(?<![A-Za-z])L(?![A-Za-z])"
TRACKING = ["shipment_tracking", "order_status"]
STATUS = ["order_status", "shipment_tracking"]

HOLDOUT_3: list[Case] = [
    # en
    (
        "en",
        "A",
        "hey so my package still hasnt showed up, can u check where it is",
        TRACKING,
        ["$tracking:B"],
    ),
    ("en", "A", "status on $number:C?", STATUS, ["$status:C"]),
    ("en", "A", "whats the tracking # for order $number:A", TRACKING, ["$tracking:A"]),
    (
        "en",
        "A",
        "the silk dress from order $number:A doesnt fit at all, i want to send it back",
        ["return_request"],
        ["$return:A"],
    ),
    (
        "en",
        "A",
        "Is the woven clutch sold out?",
        ["product_info"],
        ["re:(?i)sold out|out of stock"],
    ),
    (
        "en",
        "A",
        "what colors does the quilted puffer come in",
        ["product_info"],
        ["$colour:green", "$colour:black"],
    ),
    ("en", "A", "how much r the leather tote bags", ["product_info"], ["$price:leather-tote-bag"]),
    (
        "en",
        "A",
        "my hips are 104cm, which size for the pleated maxi?",
        ["size_advice"],
        [SIZE_L],
    ),
    ("en", "A", "Do you ship to the US and how long does it take?", ["store_policy"], ["5-10"]),
    ("en", "A", "can i pay cash on delivery", ["store_policy"], ["cash on delivery"]),
    ("en", "A", "this bot is useless, get me a real person", ["handoff"], []),
    ("en", "M", "how long is the warranty on your watches?", ["store_policy"], ["5-year"]),
    ("en", "A", "order $number:V where is it", TRACKING, ["not:$tracking:V"]),
    (
        "en",
        "A",
        "where's my order",
        TRACKING,
        ["re:(?i)sign in|log in|signed in|logged in", "not:$tracking:B"],
        {"anon": True},
    ),
    # es
    (
        "es",
        "A",
        "hola!! mi pedido todavia no llega, me pasan el seguimiento porfa",
        TRACKING,
        ["$tracking:B"],
    ),
    ("es", "A", "en que estado esta el pedido $number:C", STATUS, ["$status:C"]),
    (
        "es",
        "A",
        "quiero devolver el pedido $number:A, el vestido me quedó grande",
        ["return_request"],
        ["$return:A"],
    ),
    ("es", "A", "tienen la gabardina de lana en azul marino?", ["product_info"], ["$colour:navy"]),
    (
        "es",
        "A",
        "cuanto sale el bolso bandolera mini",
        ["product_info"],
        ["$price:mini-crossbody-bag"],
    ),
    (
        "es",
        "A",
        "mido 30 pulgadas de cintura, qué talla de vestido midi de lino me recomiendan",
        ["size_advice"],
        [SIZE_M],
    ),
    ("es", "A", "el envío a España es gratis?", ["store_policy"], ["150"]),
    ("es", "A", "se puede pagar con google pay?", ["store_policy"], ["Google Pay"]),
    ("es", "A", "necesito hablar con alguien de atención al cliente ya", ["handoff"], []),
    ("es", "A", "cuanto tiempo tengo para devolver algo", ["store_policy"], ["30"]),
    # The widget's currency is EUR, the shopper asks in dollars (USD 3,349.99: steel bracelet only).
    (
        "es",
        "M",
        "el Polar explorer cuesta cuanto en dólares?",
        ["product_info"],
        ["re:3[.,]?349[.,]99"],
    ),
    # zh-hans
    ("zh-hans", "A", "我的包裹到哪儿了？等了好久", TRACKING, ["$tracking:B"]),
    ("zh-hans", "A", "订单$number:C发货了没", STATUS, ["$status:C"]),
    (
        "zh-hans",
        "A",
        "$number:A 这单我要退货，衣服有瑕疵",
        ["return_request"],
        ["$return:A"],
    ),
    ("zh-hans", "A", "编织手拿包还有货吗", ["product_info"], ["re:售罄|缺货|无货|没货|卖完"]),
    (
        "zh-hans",
        "A",
        "美丽诺高领毛衣有哪些颜色",
        ["product_info"],
        ["$colour:black", "$colour:red"],
    ),
    ("zh-hans", "A", "羊绒披肩多少钱", ["product_info"], ["$price:cashmere-wrap-scarf"]),
    ("zh-hans", "A", "我腰围 76，麻花开衫要穿什么尺码", ["size_advice"], [SIZE_M]),
    ("zh-hans", "A", "寄到中国要几天？运费多少", ["store_policy"], ["5-10"]),
    ("zh-hans", "A", "可以用支付宝吗", ["store_policy"], ["Visa"]),
    ("zh-hans", "A", "能不能找个真人客服跟我聊", ["handoff"], []),
    ("zh-hans", "M", "abyss diver 300 有橡胶表带的吗", ["product_info"], ["橡胶"]),
    # ar
    ("ar", "A", "وين طلبي؟ صار له اسبوع", TRACKING, ["$tracking:B"]),
    ("ar", "A", "ما حالة الطلب $number:C", STATUS, ["$status:C"]),
    (
        "ar",
        "A",
        "ابغى ارجع الطلب $number:A المقاس ما ضبط",
        ["return_request"],
        ["$return:A"],
    ),
    ("ar", "A", "هل الشال الكشمير متوفر باللون الأسود؟", ["product_info"], ["$colour:black"]),
    ("ar", "A", "بكم حقيبة التوت الجلدية", ["product_info"], ["$price:leather-tote-bag"]),
    (
        "ar",
        "A",
        "محيط صدري 98 سم، ايش المقاس المناسب في معطف الترنش؟",
        ["size_advice"],
        [SIZE_M],
    ),
    ("ar", "A", "هل التوصيل للسعودية مجاني؟", ["store_policy"], ["400"]),
    ("ar", "A", "هل عندكم دفع عند الاستلام", ["store_policy"], ["الدفع عند الاستلام"]),
    ("ar", "A", "ابي اكلم موظف خدمة عملاء لو سمحت", ["handoff"], []),
    ("ar", "A", "كم يوم عندي عشان ارجع القطعة", ["store_policy"], ["30"]),
    (
        "ar",
        "M",
        "what's the price of the racing chronograph بالريال",
        ["product_info"],
        ["$price:racing-chronograph"],
    ),
    # id
    ("id", "A", "kak paket aku udah sampe mana ya? kok lama bgt", TRACKING, ["$tracking:B"]),
    ("id", "A", "status pesanan $number:C gmn min", STATUS, ["$status:C"]),
    (
        "id",
        "A",
        "mau retur pesanan $number:A dong, bahannya rusak",
        ["return_request"],
        ["$return:A"],
    ),
    (
        "id",
        "A",
        "tas bucket suede ada warna apa aja?",
        ["product_info"],
        ["$colour:camel", "$colour:green"],
    ),
    (
        "id",
        "A",
        "harga sweter kasmir leher bulat berapa kak",
        ["product_info"],
        ["$price:cashmere-crewneck"],
    ),
    ("id", "A", "lingkar pinggul 96, gaun slip satin ukuran apa?", ["size_advice"], [SIZE_M]),
    ("id", "A", "ongkir ke indonesia berapa ya", ["store_policy"], ["6,50"]),
    ("id", "A", "bisa bayar pakai kartu kredit?", ["store_policy"], ["Visa"]),
    ("id", "A", "min tolong sambungin ke CS manusia aja", ["handoff"], []),
    ("id", "A", "jaket kulit pendek masih ready stok?", ["product_info"], ["re:(?i)tersedia|stok"]),
    ("id", "M", "abyss diver GMT harganya berapa", ["product_info"], ["$price:abyss-diver-gmt"]),
]
