# CyCADA, SVHN -> MNIST, stage (c) of 3: feature-level adaptation (ADDA) of a LeNet trained on SVHN images
# translated into MNIST style by stage (b)'s generator, with the original SVHN labels. ADDA's first phase trains
# the LeNet on the translated images (CyCADA's f_T initialisation), the second adapts it to MNIST; as in CyCADA's
# digit experiments the discriminator (10-500-500-2) sees the classifier scores and Adam uses lr 1e-5 there.
# Input: the folder written by tools/translate.py after stage (b) (see the chain in
# configs/cycada/svhn2mnist_stage_a_source_only.py). Evaluated on MNIST test.
#   python tools/train.py configs/cycada/svhn2mnist_stage_c_adda.py
_base_ = ["../adda/svhn2mnist.py"]
work_dir = "work_dirs/cycada_svhn2mnist_c"
translated_root = "work_dirs/cycada_svhn2mnist_translated"
train_dataloader = dict(
    dataset=dict(
        source=dict(
            _delete_=True,
            type="TranslatedImageDataset",
            dataset=dict(type="SVHNDataset", data_root="data/svhn", split="train", channels=1),
            img_root=translated_root,
            pipeline=[
                dict(type="LoadImageFromFile", color_type="grayscale"),
                dict(type="Resize", scale=(28, 28), interpolation="bilinear"),
                dict(type="PackInputs"),
            ],
        ),
    ),
)
model = dict(adapt_on="logits", discriminator=dict(in_channels=10))
optim_wrapper = dict(
    target_encoder=dict(optimizer=dict(lr=1e-5)),
    discriminator=dict(optimizer=dict(lr=1e-5)),
)
