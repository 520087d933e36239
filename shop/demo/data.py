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

# 1v1 consultations, one service per shop, booked with the shop's consultant (consultant@<prefix>).
# shop slug -> names (en, zh-hans, es, ar, id), descriptions (en, zh-hans, es), minutes, buffer,
# deposits {currency: amount}, consultant display name, time zone, weekly hours (Mon-Fri).
CONSULTATIONS = {
    "atelier-lumiere": {
        "names": (
            "Private styling session",
            "私人造型咨询",
            "Sesión privada de estilismo",
            "جلسة تنسيق خاصة",
            "Sesi penataan gaya pribadi",
        ),
        "descriptions": (
            "A 30-minute video call with our atelier stylist: fabrics up close, fit advice "
            "and pieces set aside for you. The deposit is deducted from your order.",
            "与我们的工作室造型师进行 30 分钟视频通话：近距离看面料、试穿建议，并为您预留单品。"
            "定金可抵扣订单金额。",
            "Videollamada de 30 minutos con nuestra estilista del atelier: tejidos de cerca, "
            "consejos de talla y prendas reservadas para ti. El depósito se descuenta del pedido.",
        ),
        "duration_minutes": 30,
        "buffer_minutes": 10,
        "deposits": {"USD": "25.00", "EUR": "20.00"},
        "consultant": "Camille",
        "time_zone": "Europe/Paris",
        "hours": ("09:00", "17:00"),
    },
    "meridian-horology": {
        "names": (
            "Private watch viewing",
            "私人腕表鉴赏",
            "Visita privada de relojes",
            "عرض خاص للساعات",
            "Sesi lihat jam pribadi",
        ),
        "descriptions": (
            "See the movement, the finishing and the fit on the wrist over video with our "
            "watchmaker. The deposit is deducted from your order.",
            "通过视频与我们的制表师一同欣赏机芯、打磨工艺与上腕效果。定金可抵扣订单金额。",
            "Mira el movimiento, los acabados y cómo queda en la muñeca por videollamada con "
            "nuestro relojero. El depósito se descuenta del pedido.",
        ),
        "duration_minutes": 30,
        "buffer_minutes": 10,
        "deposits": {"USD": "100.00", "EUR": "95.00"},
        "consultant": "Luca",
        "time_zone": "Europe/Zurich",
        "hours": ("09:00", "17:00"),
    },
}

# Size charts: shop -> [(name, unit, rows from smallest to largest, categories it applies to)]
SIZE_CHARTS = {
    "atelier-lumiere": [
        (
            "Dresses and knitwear",
            "cm",
            [
                {"size": "S", "chest": [82, 88], "waist": [64, 70], "hip": [88, 94]},
                {"size": "M", "chest": [89, 95], "waist": [71, 77], "hip": [95, 101]},
                {"size": "L", "chest": [96, 102], "waist": [78, 84], "hip": [102, 108]},
            ],
            ("dresses", "knitwear"),
        ),
        (
            "Outerwear",
            "cm",
            [
                {"size": "S", "chest": [86, 92], "waist": [70, 76], "hip": [92, 98]},
                {"size": "M", "chest": [93, 99], "waist": [77, 83], "hip": [99, 105]},
                {"size": "L", "chest": [100, 106], "waist": [84, 90], "hip": [106, 112]},
            ],
            ("outerwear",),
        ),
    ],
}

# Store policies the support agent quotes: shop -> kind -> language -> (title, body)
POLICIES = {
    "atelier-lumiere": {
        "shipping": {
            "en": (
                "Shipping",
                "We ship from Paris. Europe: Colissimo in 2-4 business days (€6.90, free over "
                "€150) or Express in 1-2 days (€14.90). Rest of the world: tracked "
                "international shipping in 5-10 business days, from €12 plus €6.50 per kg, free "
                "over €400. Every parcel is tracked and you get the tracking number by e-mail "
                "when it ships. Outside the EU, import duties and taxes are paid on delivery.",
            ),
            "es": (
                "Envíos",
                "Enviamos desde París. Europa: Colissimo en 2-4 días hábiles (6,90 €, gratis a "
                "partir de 150 €) o Express en 1-2 días (14,90 €). Resto del mundo: envío "
                "internacional con seguimiento en 5-10 días hábiles, desde 12 € más 6,50 € por "
                "kg, gratis a partir de 400 €. Todos los paquetes tienen seguimiento y recibes el "
                "número por correo al enviarlo. Fuera de la UE, los aranceles e impuestos de "
                "importación se pagan en la entrega.",
            ),
            "zh-hans": (
                "配送",
                "我们从巴黎发货。欧洲：Colissimo 2-4个工作日（6.90欧元，满150欧元包邮）或特快"
                "1-2天（14.90欧元）。其他地区：可追踪国际快递，5-10个工作日送达，12欧元起，"
                "每公斤另加6.50欧元，满400欧元包邮。每个包裹都可追踪，发货时会通过邮件发送单号。"
                "欧盟以外地区的进口关税和税费在收货时支付。",
            ),
            "ar": (
                "الشحن",
                "نشحن من باريس. أوروبا: كوليسيمو خلال 2-4 أيام عمل (6.90 يورو، مجاني فوق 150 "
                "يورو) أو السريع خلال 1-2 يوم (14.90 يورو). باقي العالم: شحن دولي مع التتبع خلال "
                "5-10 أيام عمل، من 12 يورو بالإضافة إلى 6.50 يورو لكل كغ، مجاني فوق 400 يورو. "
                "كل طرد له رقم تتبع يصلك بالبريد عند الشحن. خارج الاتحاد الأوروبي تُدفع الرسوم "
                "الجمركية والضرائب عند الاستلام.",
            ),
            "id": (
                "Pengiriman",
                "Kami mengirim dari Paris. Eropa: Colissimo 2-4 hari kerja (€6,90, gratis di atas "
                "€150) atau Express 1-2 hari (€14,90). Negara lain: pengiriman internasional "
                "terlacak 5-10 hari kerja, mulai €12 ditambah €6,50 per kg, gratis di atas €400. "
                "Setiap paket terlacak dan nomor resi dikirim lewat e-mail saat dikirim. Di luar "
                "Uni Eropa, bea masuk dan pajak impor dibayar saat barang diterima.",
            ),
        },
        "returns": {
            "en": (
                "Returns and refunds",
                "You can return unworn items with their tags within 30 days of delivery. Start "
                "a return in the chat or on your order page; we send a prepaid return label for "
                "returns from the EU (international returns are at your cost). The refund goes "
                "back to your original payment method within 5 business days of the parcel "
                "reaching us. Alterations are free within 30 days.",
            ),
            "es": (
                "Devoluciones y reembolsos",
                "Puedes devolver artículos sin usar y con etiquetas en un plazo de 30 días desde "
                "la entrega. Inicia la devolución en el chat o en la página de tu pedido; "
                "enviamos una etiqueta prepagada para devoluciones desde la UE (las "
                "internacionales corren por tu cuenta). El reembolso se hace al método de pago "
                "original en 5 días hábiles desde que recibimos el paquete. Los arreglos son "
                "gratuitos durante 30 días.",
            ),
            "zh-hans": (
                "退货与退款",
                "未穿着且吊牌完好的商品可在签收后30天内退货。可在聊天中或订单页面申请退货；"
                "欧盟境内退货我们提供预付退货标签（国际退货运费由您承担）。包裹到达后5个工作日内"
                "原路退款。30天内免费修改。",
            ),
            "ar": (
                "الإرجاع والاسترداد",
                "يمكنك إرجاع المنتجات غير الملبوسة مع بطاقاتها خلال 30 يومًا من الاستلام. ابدأ "
                "الإرجاع في المحادثة أو في صفحة طلبك؛ نرسل ملصق إرجاع مدفوعًا مسبقًا للإرجاع من "
                "الاتحاد الأوروبي (الإرجاع الدولي على نفقتك). يُعاد المبلغ إلى وسيلة الدفع "
                "الأصلية خلال 5 أيام عمل من وصول الطرد إلينا. التعديلات مجانية خلال 30 يومًا.",
            ),
            "id": (
                "Retur dan pengembalian dana",
                "Barang yang belum dipakai dan masih berlabel bisa diretur dalam 30 hari setelah "
                "diterima. Ajukan retur lewat chat atau halaman pesanan; kami kirim label retur "
                "prabayar untuk retur dari Uni Eropa (retur internasional dengan biaya sendiri). "
                "Dana dikembalikan ke metode pembayaran awal dalam 5 hari kerja setelah paket "
                "kami terima. Permak gratis dalam 30 hari.",
            ),
        },
        "payment": {
            "en": (
                "Payment",
                "We accept Visa, Mastercard and American Express cards, Apple Pay and Google "
                "Pay. You pay in the currency shown at checkout, and your card is charged when "
                "you place the order. We do not offer cash on delivery.",
            ),
            "es": (
                "Pago",
                "Aceptamos tarjetas Visa, Mastercard y American Express, Apple Pay y Google "
                "Pay. Pagas en la moneda que ves al finalizar la compra y el cargo se hace al "
                "realizar el pedido. No ofrecemos pago contra reembolso.",
            ),
            "zh-hans": (
                "付款",
                "我们接受Visa、Mastercard和American Express信用卡，以及Apple Pay和Google Pay。"
                "按结账时显示的币种付款，下单时扣款。不支持货到付款。",
            ),
            "ar": (
                "الدفع",
                "نقبل بطاقات Visa وMastercard وAmerican Express وApple Pay وGoogle Pay. تدفع "
                "بالعملة المعروضة عند إتمام الطلب، ويُخصم المبلغ عند تقديم الطلب. لا نوفر الدفع "
                "عند الاستلام.",
            ),
            "id": (
                "Pembayaran",
                "Kami menerima kartu Visa, Mastercard dan American Express, Apple Pay dan Google "
                "Pay. Pembayaran dalam mata uang yang tampil saat checkout, dan kartu ditagih "
                "saat pesanan dibuat. Kami tidak melayani bayar di tempat (COD).",
            ),
        },
    },
    "meridian-horology": {
        "shipping": {
            "en": (
                "Shipping",
                "Every watch travels by insured courier worldwide in 2-5 business days for $45, "
                "free over $5,000. A signature is required on delivery. Import duties and taxes "
                "are paid by the recipient.",
            ),
            "es": (
                "Envíos",
                "Cada reloj viaja con mensajería asegurada a todo el mundo en 2-5 días hábiles "
                "por 45 $, gratis a partir de 5.000 $. Se requiere firma en la entrega. Los "
                "aranceles e impuestos de importación los paga el destinatario.",
            ),
        },
        "returns": {
            "en": (
                "Returns and warranty",
                "Unworn watches with their protective film intact can be returned within 14 "
                "days of delivery for a full refund. Every watch has a 5-year warranty on the "
                "movement.",
            ),
            "es": (
                "Devoluciones y garantía",
                "Los relojes sin usar y con el film protector intacto se pueden devolver en 14 "
                "días desde la entrega con reembolso completo. Todos los relojes tienen 5 años "
                "de garantía en el movimiento.",
            ),
        },
        "payment": {
            "en": (
                "Payment",
                "We accept Visa, Mastercard and American Express cards, and bank transfer for "
                "orders over $10,000.",
            ),
            "es": (
                "Pago",
                "Aceptamos tarjetas Visa, Mastercard y American Express, y transferencia "
                "bancaria para pedidos de más de 10.000 $.",
            ),
        },
    },
}

# The demo shopper's past orders, so "where is my order?" has an answer on a fresh install:
# shop -> [(key, SKU, shipping rate, carrier, tracking number, carrier scans (status, place))].
# The key
# (stored as the order's source id) makes a rerun find the order instead of adding another;
# a "delivered" scan delivers the order.
SHOPPER_ORDERS = {
    "atelier-lumiere": [
        (
            "demo-delivered",
            "AL-PRINTED-SILK-RED",
            "Colissimo",
            "Colissimo",
            "6A20481357902",
            [
                ("in_transit", "Paris, FR"),
                ("out_for_delivery", "Madrid, ES"),
                ("delivered", "Madrid, ES"),
            ],
        ),
        (
            "demo-shipped",
            "AL-CABLE-KNIT-C-IVO-M",
            "Express",
            "DHL Express",
            "JD014600007733",
            [("in_transit", "Paris CDG, FR"), ("in_transit", "Leipzig hub, DE")],
        ),
    ],
}
