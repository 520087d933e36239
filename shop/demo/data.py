"""The demo marketplace's content: two shops, their staff and ~30 products in five languages."""

from __future__ import annotations

LANGS = ("en", "zh-hans", "es", "ar", "id")

SHOPS = [
    {
        "slug": "atelier-lumiere",
        "name": "Atelier Lumière",
        "tagline": "Small-run fashion from a Paris atelier",
        "default_language": "en",
        "default_currency": "EUR",
        "country": "FR",
        "time_zone": "Europe/Paris",
        "staff_prefix": "atelier",
    },
    {
        "slug": "meridian-horology",
        "name": "Meridian Horology",
        "tagline": "Independent Swiss watches, viewed by appointment",
        "default_language": "en",
        "default_currency": "USD",
        "country": "CH",
        "time_zone": "Europe/Zurich",
        "staff_prefix": "meridian",
    },
]

CATEGORIES = [
    # slug, parent, names (en, zh-hans, es, ar, id)
    ("fashion", None, ("Fashion", "时装", "Moda", "أزياء", "Fesyen")),
    ("dresses", "fashion", ("Dresses", "连衣裙", "Vestidos", "فساتين", "Gaun")),
    ("outerwear", "fashion", ("Outerwear", "外套", "Abrigos", "ملابس خارجية", "Pakaian luar")),
    ("knitwear", "fashion", ("Knitwear", "针织衫", "Punto", "ملابس محبوكة", "Rajutan")),
    (
        "accessories",
        "fashion",
        ("Bags & scarves", "包袋与围巾", "Bolsos y pañuelos", "حقائب وأوشحة", "Tas & syal"),
    ),
    ("watches", None, ("Watches", "腕表", "Relojes", "ساعات", "Jam tangan")),
    (
        "dress-watches",
        "watches",
        ("Dress watches", "正装表", "Relojes de vestir", "ساعات رسمية", "Jam formal"),
    ),
    (
        "dive-watches",
        "watches",
        (
            "Dive & sport",
            "潜水与运动表",
            "Buceo y deporte",
            "ساعات غوص ورياضة",
            "Jam selam & sport",
        ),
    ),
    (
        "chronographs",
        "watches",
        ("Chronographs", "计时码表", "Cronógrafos", "كرونوغراف", "Kronograf"),
    ),
]

ATTRIBUTES = {
    "colour": (
        ("Colour", "颜色", "Color", "اللون", "Warna"),
        [
            ("black", ("Black", "黑色", "Negro", "أسود", "Hitam"), "#1d1d1f"),
            ("ivory", ("Ivory", "象牙白", "Marfil", "عاجي", "Gading"), "#f4efe3"),
            ("navy", ("Navy", "藏青色", "Azul marino", "كحلي", "Biru dongker"), "#1f2a44"),
            ("camel", ("Camel", "驼色", "Camel", "جملي", "Cokelat unta"), "#c19a6b"),
            ("red", ("Red", "红色", "Rojo", "أحمر", "Merah"), "#b3262e"),
            ("green", ("Green", "绿色", "Verde", "أخضر", "Hijau"), "#3d6b4f"),
        ],
    ),
    "size": (
        ("Size", "尺码", "Talla", "المقاس", "Ukuran"),
        [(code, (code.upper(),) * 5, "") for code in ("xs", "s", "m", "l", "xl")],
    ),
    "case-size": (
        ("Case size", "表径", "Tamaño de caja", "قطر العلبة", "Ukuran casing"),
        [(f"{mm}mm", (f"{mm} mm",) * 5, "") for mm in (36, 38, 40, 42)],
    ),
    "strap": (
        ("Strap", "表带", "Correa", "السوار", "Tali"),
        [
            ("leather", ("Leather", "皮革", "Piel", "جلد", "Kulit"), "#6b4226"),
            (
                "steel",
                ("Steel bracelet", "精钢表链", "Brazalete de acero", "سوار فولاذي", "Gelang baja"),
                "#9aa0a6",
            ),
            ("rubber", ("Rubber", "橡胶", "Caucho", "مطاط", "Karet"), "#222222"),
        ],
    ),
}

DESCRIPTIONS = {
    "fashion": (
        "Made in small runs in our Paris atelier. Free alterations within 30 days.",
        "在我们巴黎工作室小批量制作。30天内免费修改。",
        "Confeccionado en series cortas en nuestro taller de París. Arreglos gratuitos durante 30 días.",
        "يُصنع بكميات محدودة في مشغلنا في باريس. تعديلات مجانية خلال 30 يومًا.",
        "Dibuat dalam jumlah terbatas di atelier kami di Paris. Permak gratis dalam 30 hari.",
    ),
    "watches": (
        "Swiss automatic movement, sapphire crystal, 5-year warranty. Regulated in six positions.",
        "瑞士自动机芯，蓝宝石镜面，五年保修。经六方位校准。",
        "Movimiento automático suizo, cristal de zafiro y 5 años de garantía. Regulado en seis posiciones.",
        "حركة أوتوماتيكية سويسرية، زجاج من الياقوت، وضمان لمدة 5 سنوات. مضبوطة في ست وضعيات.",
        "Mesin otomatis Swiss, kaca safir, garansi 5 tahun. Diatur dalam enam posisi.",
    ),
}

# slug, category, names (en, zh-hans, es, ar, id), USD price, colours, sizes (fashion)
FASHION = [
    (
        "silk-wrap-dress",
        "dresses",
        (
            "Silk wrap dress",
            "真丝裹身连衣裙",
            "Vestido cruzado de seda",
            "فستان ملفوف من الحرير",
            "Gaun lilit sutra",
        ),
        "289.00",
        ("red", "black"),
    ),
    (
        "linen-midi-dress",
        "dresses",
        (
            "Linen midi dress",
            "亚麻中长连衣裙",
            "Vestido midi de lino",
            "فستان ميدي من الكتان",
            "Gaun midi linen",
        ),
        "189.00",
        ("ivory", "green"),
    ),
    (
        "pleated-maxi-dress",
        "dresses",
        (
            "Pleated maxi dress",
            "百褶长裙",
            "Vestido largo plisado",
            "فستان طويل بكسرات",
            "Gaun panjang plisket",
        ),
        "239.00",
        ("navy", "camel"),
    ),
    (
        "satin-slip-dress",
        "dresses",
        (
            "Satin slip dress",
            "缎面吊带裙",
            "Vestido lencero de satén",
            "فستان ساتان بحمالات",
            "Gaun slip satin",
        ),
        "159.00",
        ("black", "ivory"),
    ),
    (
        "wool-trench-coat",
        "outerwear",
        (
            "Wool trench coat",
            "羊毛风衣",
            "Gabardina de lana",
            "معطف ترنش من الصوف",
            "Mantel trench wol",
        ),
        "490.00",
        ("camel", "navy"),
    ),
    (
        "cropped-leather-jacket",
        "outerwear",
        (
            "Cropped leather jacket",
            "短款皮夹克",
            "Chaqueta corta de piel",
            "جاكيت جلد قصير",
            "Jaket kulit pendek",
        ),
        "560.00",
        ("black",),
    ),
    (
        "quilted-puffer-jacket",
        "outerwear",
        (
            "Quilted puffer jacket",
            "绗缝羽绒夹克",
            "Chaqueta acolchada",
            "جاكيت منفوخ مبطن",
            "Jaket puffer quilting",
        ),
        "320.00",
        ("green", "black"),
    ),
    (
        "double-breasted-blazer",
        "outerwear",
        (
            "Double-breasted blazer",
            "双排扣西装外套",
            "Blazer cruzado",
            "بليزر بصفين من الأزرار",
            "Blazer dua baris kancing",
        ),
        "350.00",
        ("navy", "ivory"),
    ),
    (
        "cashmere-crewneck",
        "knitwear",
        (
            "Cashmere crewneck sweater",
            "羊绒圆领毛衣",
            "Jersey de cachemir",
            "كنزة كشمير برقبة دائرية",
            "Sweter kasmir leher bulat",
        ),
        "260.00",
        ("camel", "navy"),
    ),
    (
        "cable-knit-cardigan",
        "knitwear",
        (
            "Cable-knit cardigan",
            "麻花针织开衫",
            "Cárdigan de ochos",
            "كارديغان محبوك بضفائر",
            "Kardigan rajut kabel",
        ),
        "210.00",
        ("ivory", "green"),
    ),
    (
        "merino-turtleneck",
        "knitwear",
        (
            "Merino turtleneck",
            "美丽诺高领毛衣",
            "Jersey de cuello alto de merino",
            "كنزة ميرينو برقبة عالية",
            "Sweter turtleneck merino",
        ),
        "175.00",
        ("black", "red"),
    ),
    (
        "mohair-knit-vest",
        "knitwear",
        (
            "Mohair knit vest",
            "马海毛针织背心",
            "Chaleco de punto de mohair",
            "صدرية محبوكة من الموهير",
            "Rompi rajut mohair",
        ),
        "145.00",
        ("ivory",),
    ),
    (
        "leather-tote-bag",
        "accessories",
        (
            "Leather tote bag",
            "皮革托特包",
            "Bolso tote de piel",
            "حقيبة توت جلدية",
            "Tas tote kulit",
        ),
        "420.00",
        ("camel", "black"),
    ),
    (
        "mini-crossbody-bag",
        "accessories",
        (
            "Mini crossbody bag",
            "迷你斜挎包",
            "Bolso bandolera mini",
            "حقيبة كروس صغيرة",
            "Tas selempang mini",
        ),
        "260.00",
        ("red", "black"),
    ),
    (
        "woven-clutch",
        "accessories",
        ("Woven clutch", "编织手拿包", "Clutch trenzado", "حقيبة يد منسوجة", "Clutch anyaman"),
        "180.00",
        ("ivory",),
    ),
    (
        "suede-bucket-bag",
        "accessories",
        (
            "Suede bucket bag",
            "麂皮水桶包",
            "Bolso saco de ante",
            "حقيبة دلو من الشامواه",
            "Tas bucket suede",
        ),
        "340.00",
        ("camel", "green"),
    ),
    (
        "printed-silk-scarf",
        "accessories",
        (
            "Printed silk scarf",
            "印花真丝围巾",
            "Pañuelo de seda estampado",
            "وشاح حريري مطبوع",
            "Syal sutra bermotif",
        ),
        "120.00",
        ("red", "navy"),
    ),
    (
        "cashmere-wrap-scarf",
        "accessories",
        ("Cashmere wrap scarf", "羊绒披肩", "Chal de cachemir", "شال كشمير", "Selendang kasmir"),
        "290.00",
        ("camel", "black"),
    ),
]

# slug, category, names, USD price, case sizes, straps
WATCHES = [
    (
        "classic-36-automatic",
        "dress-watches",
        (
            "Classic 36 automatic",
            "经典36自动腕表",
            "Classic 36 automático",
            "ساعة كلاسيك 36 أوتوماتيكية",
            "Classic 36 otomatis",
        ),
        "2450.00",
        ("36mm",),
        ("leather", "steel"),
    ),
    (
        "classic-40-automatic",
        "dress-watches",
        (
            "Classic 40 automatic",
            "经典40自动腕表",
            "Classic 40 automático",
            "ساعة كلاسيك 40 أوتوماتيكية",
            "Classic 40 otomatis",
        ),
        "2650.00",
        ("40mm",),
        ("leather", "steel"),
    ),
    (
        "ultra-thin-moonphase",
        "dress-watches",
        (
            "Ultra-thin moonphase",
            "超薄月相腕表",
            "Fase lunar ultrafino",
            "ساعة أطوار القمر فائقة النحافة",
            "Fase bulan ultra-tipis",
        ),
        "6900.00",
        ("38mm", "40mm"),
        ("leather",),
    ),
    (
        "heritage-small-seconds",
        "dress-watches",
        (
            "Heritage small seconds",
            "传承小秒针腕表",
            "Heritage segundero pequeño",
            "ساعة هيريتج بعقرب ثوانٍ صغير",
            "Heritage detik kecil",
        ),
        "3900.00",
        ("38mm",),
        ("leather",),
    ),
    (
        "abyss-diver-300",
        "dive-watches",
        (
            "Abyss diver 300 m",
            "深渊300米潜水表",
            "Buceo Abyss 300 m",
            "ساعة غوص أبيس 300 م",
            "Jam selam Abyss 300 m",
        ),
        "3200.00",
        ("40mm", "42mm"),
        ("steel", "rubber"),
    ),
    (
        "abyss-diver-gmt",
        "dive-watches",
        (
            "Abyss diver GMT",
            "深渊GMT潜水表",
            "Buceo Abyss GMT",
            "ساعة غوص أبيس GMT",
            "Jam selam Abyss GMT",
        ),
        "4100.00",
        ("42mm",),
        ("steel", "rubber"),
    ),
    (
        "reef-titanium-diver",
        "dive-watches",
        (
            "Reef titanium diver",
            "珊瑚礁钛金属潜水表",
            "Buceo Reef de titanio",
            "ساعة غوص ريف من التيتانيوم",
            "Jam selam Reef titanium",
        ),
        "3600.00",
        ("40mm",),
        ("rubber",),
    ),
    (
        "polar-explorer",
        "dive-watches",
        (
            "Polar explorer",
            "极地探险家腕表",
            "Explorador polar",
            "ساعة المستكشف القطبي",
            "Penjelajah kutub",
        ),
        "2950.00",
        ("40mm",),
        ("steel",),
    ),
    (
        "racing-chronograph",
        "chronographs",
        (
            "Racing chronograph",
            "赛车计时码表",
            "Cronógrafo de carreras",
            "ساعة كرونوغراف للسباقات",
            "Kronograf balap",
        ),
        "5200.00",
        ("40mm", "42mm"),
        ("leather", "steel"),
    ),
    (
        "flyback-pilot-chronograph",
        "chronographs",
        (
            "Flyback pilot chronograph",
            "飞返飞行员计时表",
            "Cronógrafo piloto flyback",
            "كرونوغراف طيار بخاصية الرجوع",
            "Kronograf pilot flyback",
        ),
        "5800.00",
        ("42mm",),
        ("leather",),
    ),
    (
        "split-seconds-1950",
        "chronographs",
        (
            "Split-seconds 1950",
            "1950双追针计时表",
            "Ratrapante 1950",
            "ساعة راترابانت 1950",
            "Rattrapante 1950",
        ),
        "14500.00",
        ("38mm",),
        ("leather",),
    ),
    (
        "tachymeter-steel-chronograph",
        "chronographs",
        (
            "Tachymeter steel chronograph",
            "测速精钢计时表",
            "Cronógrafo taquímetro de acero",
            "كرونوغراف فولاذي بمقياس سرعة",
            "Kronograf takimeter baja",
        ),
        "4300.00",
        ("40mm",),
        ("steel", "rubber"),
    ),
]

# 1 USD in each currency, as stored FX rates (dated today and a week ago).
FX_FROM_USD = {"EUR": "0.9200", "CNY": "7.1200", "JPY": "151.30", "IDR": "15850", "SAR": "3.7500"}

# Shipping: (zone name, countries, [(rate name, kind, delivery, {currency: (base, per_kg, free_over)})])
SHIPPING = {
    "atelier-lumiere": [
        (
            "Europe",
            ["FR", "DE", "ES", "IT", "NL", "BE", "AT", "PT", "IE"],
            [
                ("Colissimo", "flat", "2-4 days", {"EUR": ("6.90", "0", "150")}),
                ("Express", "flat", "1-2 days", {"EUR": ("14.90", "0", None)}),
            ],
        ),
        (
            "Rest of world",
            ["*"],
            [
                (
                    "International tracked",
                    "weight",
                    "5-10 days",
                    {"EUR": ("12.00", "6.50", "400"), "USD": ("13.00", "7.00", "450")},
                ),
            ],
        ),
    ],
    "meridian-horology": [
        (
            "Insured worldwide",
            ["*"],
            [
                (
                    "Insured courier",
                    "flat",
                    "2-5 days",
                    {"USD": ("45.00", "0", "5000"), "EUR": ("42.00", "0", "4600")},
                ),
            ],
        ),
    ],
}

# Vouchers: code, kind, percentage, {currency: (discount, min_spend)}, usage_limit, per_customer
VOUCHERS = {
    "atelier-lumiere": [
        ("WELCOME10", "percentage", "10", {"EUR": (None, "50")}, None, 1),
        (
            "LIVE20",
            "fixed",
            None,
            {"EUR": ("20", "100"), "USD": ("22", "110"), "JPY": ("3300", "16000")},
            500,
            1,
        ),
    ],
    "meridian-horology": [
        ("VIEWING5", "percentage", "5", {"USD": (None, "2000")}, 100, 1),
    ],
}
